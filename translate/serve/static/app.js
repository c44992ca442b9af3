// The nb2en page: paste or upload Norwegian, press Translate, read both side by side.
// Talks only to this server (/frontend/settings, /v1/articles); no external resources.
"use strict";

const FLAG_MEANINGS = {
  "length-cap": "The translation reached its length limit: it may be cut short or repeat itself.",
  "repetition": "The translation repeats itself: check it against the Norwegian.",
  "split-long-input": "The sentence was too long for the model and was translated in parts.",
  "number-missing": "A number of the Norwegian is missing from the English",
  "passthrough": "Kept as it is (not Norwegian: an English quote, a link, a byline).",
};

const $ = (id) => document.getElementById(id);
const form = $("input-form");
const button = $("translate-button");
const statusLine = $("status");
let lastPayload = null;

function explain(flag) {
  const [name, detail] = flag.split(/:(.*)/s);
  const meaning = FLAG_MEANINGS[name];
  if (!meaning) return `Flag: ${flag}`;
  return detail ? `${meaning}: ${detail}.` : meaning;
}

function setStatus(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("error", isError);
}

function sentenceSpan(text, index, flags, side) {
  const span = document.createElement("span");
  span.className = "sentence";
  span.dataset.index = index;
  span.textContent = text;
  const problems = flags.filter((flag) => flag !== "passthrough");
  if (problems.length) {
    span.classList.add("flagged");
    span.title = problems.map(explain).join("\n");
  } else if (flags.includes("passthrough")) {
    span.classList.add("passthrough");
    span.title = explain("passthrough");
  }
  span.addEventListener("mouseenter", () => highlight(side, index, true));
  span.addEventListener("mouseleave", () => highlight(side, index, false));
  return span;
}

function highlight(side, index, on) {
  document.querySelectorAll(`.sentence[data-index="${index}"]`).forEach((el) => el.classList.toggle("active", on));
}

function renderBlocks(blocks) {
  const container = $("blocks");
  container.replaceChildren();
  let index = 0;
  const seenFlags = new Set();
  for (const block of blocks) {
    const row = document.createElement("div");
    row.className = `block ${block.kind}`;
    const nb = document.createElement("p");
    nb.className = "nb";
    nb.lang = "nb";
    const en = document.createElement("p");
    en.className = "en";
    en.lang = "en";
    const notes = [];
    if (!block.sentences.length) {
      nb.textContent = block.source;
      en.textContent = block.target ?? block.source;
    } else {
      const first = block.source.indexOf(block.sentences[0].source);
      const prefix = first > 0 ? block.source.slice(0, first) : "";
      if (prefix) {
        nb.append(prefix);
        en.append(prefix);
      }
      block.sentences.forEach((sentence, i) => {
        if (i > 0) {
          nb.append(" ");
          en.append(" ");
        }
        nb.append(sentenceSpan(sentence.source, index, sentence.flags, "nb"));
        en.append(sentenceSpan(sentence.target ?? "", index, sentence.flags, "en"));
        for (const flag of sentence.flags) {
          if (flag !== "passthrough") {
            notes.push(`“${sentence.source.slice(0, 40)}${sentence.source.length > 40 ? "…" : ""}”: ${explain(flag)}`);
            seenFlags.add(flag.split(":")[0]);
          }
        }
        index += 1;
      });
    }
    row.append(nb, en);
    if (notes.length) {
      const list = document.createElement("ul");
      list.className = "flags";
      for (const note of notes) {
        const item = document.createElement("li");
        item.textContent = note;
        list.append(item);
      }
      en.append(list);
    }
    container.append(row);
  }
  $("legend").textContent = seenFlags.size
    ? "Highlighted sentences were flagged: the note under each says why. Hover a sentence to see its pair."
    : "No sentence was flagged. Hover a sentence to see its pair.";
}

function renderSummary(answer) {
  const section = $("summary-section");
  if (!answer.summary) {
    section.hidden = true;
    return;
  }
  const box = $("summary-text");
  box.replaceChildren();
  const lines = answer.summary.split("\n").filter((line) => line.trim());
  if (lines.every((line) => line.startsWith("- "))) {
    const list = document.createElement("ul");
    for (const line of lines) {
      const item = document.createElement("li");
      item.textContent = line.slice(2);
      list.append(item);
    }
    box.append(list);
  } else {
    const p = document.createElement("p");
    p.textContent = answer.summary;
    box.append(p);
  }
  section.hidden = false;
}

function buildRequest() {
  const file = $("source-file").files[0];
  const text = $("source-text").value;
  const summary = $("want-summary").checked;
  const style = $("summary-style").value;
  const apiKey = $("api-key").value;
  if (file) {
    const body = new FormData();
    body.append("file", file);
    body.append("summary", summary ? "true" : "false");
    body.append("style", style);
    body.append("download", "true");
    if (apiKey) body.append("api_key", apiKey);
    return { body, name: file.name };
  }
  if (!text.trim()) return null;
  const payload = { text, summary, style, download: true, filename: "article.txt" };
  if (apiKey) payload.api_key = apiKey;
  return { body: JSON.stringify(payload), json: true, name: "article.txt" };
}

async function translate() {
  const request = buildRequest();
  if (!request) {
    setStatus("Paste some Norwegian text or choose a file first.", true);
    $("source-text").focus();
    return;
  }
  button.disabled = true;
  setStatus("Translating…");
  const started = performance.now();
  try {
    const response = await fetch("v1/articles", {
      method: "POST",
      body: request.body,
      headers: request.json ? { "Content-Type": "application/json" } : {},
    });
    const answer = await response.json();
    if (!response.ok) {
      setStatus(`Could not translate: ${answer.error || response.statusText}`, true);
      return;
    }
    lastPayload = answer;
    renderBlocks(answer.blocks);
    renderSummary(answer);
    $("result").hidden = false;
    const link = $("download-link");
    if (answer.download) {
      link.href = answer.download.url;
      link.download = answer.download.filename;
      link.textContent = `Download the English (${answer.download.filename})`;
      link.hidden = false;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const sentences = answer.cache.hits + answer.cache.misses;
    const flagged = answer.flags.length ? `, ${answer.flags.length} kind(s) of flag` : "";
    setStatus(`Translated ${sentences} sentence(s) in ${seconds} s (${answer.cache.hits} from the cache${flagged}).`);
  } catch (error) {
    setStatus(`Could not reach the server: ${error.message}`, true);
  } finally {
    button.disabled = false;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  translate();
});
$("source-text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    translate();
  }
});
$("source-file").addEventListener("change", () => {
  const file = $("source-file").files[0];
  if (file) setStatus(`${file.name} will be translated (the text box is ignored while a file is chosen).`);
});
$("summary-style").addEventListener("change", () => {
  if (lastPayload && $("want-summary").checked) translate(); // the translation comes from the cache
});
$("want-summary").addEventListener("change", () => {
  if (lastPayload && $("want-summary").checked) translate();
});

fetch("frontend/settings")
  .then((response) => response.json())
  .then((settings) => {
    $("key-row").hidden = !settings.keyRequired;
    if (settings.summary && settings.summary.default) $("summary-style").value = settings.summary.default;
    if (settings.supportedFilesFormat) $("source-file").accept = settings.supportedFilesFormat.join(",");
  })
  .catch(() => setStatus("Could not read the server's settings.", true));
