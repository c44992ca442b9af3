"""Summarizers: a registry from ``--summarizer`` names to classes, built from SummarySettings.

Importing this package imports no model library; an abstractive summarizer imports
torch and transformers when it first summarizes (never for a cached summary).
"""

from __future__ import annotations

from translate.errors import ModelNotAvailableOffline, UsageError
from translate.summarizers.base import (
    FLAG_LENGTH_CAP,
    STYLES,
    SUMMARIZER_NAMES,
    Summarizer,
    SummaryDetails,
    SummaryOutput,
    SummarySettings,
)


def check_settings(settings: SummarySettings) -> None:
    """Reject an unknown style or summarizer name (a usage error, exit code 2)."""
    if settings.style not in STYLES:
        raise UsageError(f"Unknown summary style '{settings.style}'. Choose one of: {', '.join(STYLES)}.")
    if settings.summarizer not in SUMMARIZER_NAMES:
        raise UsageError(
            f"Unknown summarizer '{settings.summarizer}'. Choose one of: {', '.join(SUMMARIZER_NAMES)}."
        )


def create_summarizer(settings: SummarySettings, *, max_input_tokens: int | None = None) -> Summarizer:
    """Build (but do not load) the summarizer the settings name.

    For ``abstractive`` the model is located now (a hub id not in the local cache raises
    ModelNotAvailableOffline naming `nb2en models download`) and its prompt templates are
    read, so a bad setting fails before any translation work; the weights load on the first
    ``summarize`` call. ``max_input_tokens`` lowers the model's input limit (smaller chunks).
    """
    check_settings(settings)
    if settings.summarizer == "extractive":
        from translate.summarizers.extractive import ExtractiveSummarizer

        return ExtractiveSummarizer(settings.style)
    from translate.devices import resolve_device
    from translate.models import resolve_model
    from translate.summarizers.abstractive import AbstractiveSummarizer

    device = resolve_device(getattr(settings.device, "value", settings.device))
    try:
        model = resolve_model(settings.model)
    except ModelNotAvailableOffline as error:
        raise ModelNotAvailableOffline(
            error.model_id,
            role="Summary model",
            alternatives="pass --summary-model with a local directory, or use --summarizer extractive",
        ) from None
    return AbstractiveSummarizer(
        settings.style,
        model,
        device=device,
        beam_size=settings.beam_size,
        prompts_dir=settings.prompts_dir,
        max_input_tokens=max_input_tokens,
    )


__all__ = [
    "FLAG_LENGTH_CAP",
    "STYLES",
    "SUMMARIZER_NAMES",
    "Summarizer",
    "SummaryDetails",
    "SummaryOutput",
    "SummarySettings",
    "check_settings",
    "create_summarizer",
]
