// The nb2en page: paste, drop or upload Norwegian, press Translate, read both side by side.
// Talks only to this server (/frontend/settings, /v1/articles, /suggest); no external resources.
// A long pasted article is sent in parts so the English appears as it is done and the work
// can be cancelled; a last request for the whole article (answered from the cache) gives the
// summary and the download in the article's own shape.
"use strict";

const FLAG_MEANINGS = {
  "length-cap": "The translation reached its length limit: it may be cut short or repeat itself.",
  "repetition": "The translation repeats itself: check it against the Norwegian.",
  "split-long-input": "The sentence was too long for the model and was translated in parts.",
  "number-missing": "A number of the Norwegian is missing from the English",
  "protected-repaired": "A link, address or name was put back exactly as written.",
  "protected-fallback": "The sentence was translated in pieces around a link, address or name.",
  "markup-by-position": "Formatting (bold, links) was placed by position: check where it landed.",
  "passthrough": "Kept as it is (not Norwegian: an English quote, a link, a byline).",
};
const LANGUAGE_NAMES = { da: "Danish", sv: "Swedish", nn: "Nynorsk", nb: "Bokmål", en: "English" };
// A pasted article longer than this is sent in parts (blank-line blocks, never split inside).
const PART_CHARS = 600;
const MAX_PARTS = 40;

const $ = (id) => document.getElementById(id);
const form = $("input-form");
const button = $("translate-button");
const cancelButton = $("cancel-button");
const statusLine = $("status");
const settings = { charLimit: -1, suggestions: false };
let lastPayload = null;
let chosenFile = null;
let running = null; // the AbortController of the work in progress
let sentenceIndex = 0;

function explain(flag) {
  const [name, detail] = flag.split(/:(.*)/s);
  const language = /^language-(\w+)$/.exec(name);
  if (language) {
    return `Written in ${LANGUAGE_NAMES[language[1]] || language[1]}, not Norwegian: translated if the model covers it, else kept as it is.`;
  }
  const meaning = FLAG_MEANINGS[name];
  if (!meaning) return `Note: ${flag}`;
  return detail ? `${meaning}: ${detail}.` : meaning;
}

function setStatus(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("error", isError);
}

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

// ---- reading the server's answers -------------------------------------------------------

class ServerError extends Error {}

async function readAnswer(response) {
  const body = await response.text();
  let answer = null;
  try {
    answer = JSON.parse(body);
  } catch {
    answer = null;
  }
  if (answer === null || typeof answer !== "object") {
    const what = `${response.status} ${response.statusText}`.trim();
    throw new ServerError(
      response.ok
        ? `The server sent something that is not a translation (${what}). Try again, or ask whoever runs it.`
        : `The server is not answering properly right now (${what}). Wait a moment and try again.`,
    );
  }
  if (!response.ok) {
    let message = answer.error || response.statusText || `error ${response.status}`;
    const wait = response.headers.get("Retry-After");
    if (response.status === 429 && wait) message += ` Try again in ${wait} s.`;
    throw new ServerError(`Could not translate: ${message}`);
  }
  return answer;
}

async function post(url, body, signal, json = true) {
  const response = await fetch(url, {
    method: "POST",
    body: json ? JSON.stringify(body) : body,
    headers: json ? { "Content-Type": "application/json" } : {},
    signal,
  });
  return readAnswer(response);
}

// ---- rendering ----------------------------------------------------------------------------

function sentenceSpan(sentence, index, side) {
  const span = document.createElement("span");
  span.className = "sentence";
  span.dataset.index = index;
  span.textContent = side === "nb" ? sentence.source : sentence.target ?? "";
  const flags = sentence.flags || [];
  const problems = flags.filter((flag) => flag !== "passthrough");
  if (problems.length) {
    span.classList.add("flagged");
    span.title = problems.map(explain).join("\n");
  } else if (flags.includes("passthrough")) {
    span.classList.add("passthrough");
    span.title = explain("passthrough");
  }
  if (sentence.origin === "memory") {
    span.classList.add("memory");
    span.title = [span.title, "From the translation memory: a person's translation."].filter(Boolean).join("\n");
  }
  // Pairing works by hover, by tap and by keyboard: a sentence is focusable and a tap or
  // Enter pins its pair and opens its notes.
  span.tabIndex = 0;
  span.addEventListener("mouseenter", () => highlight(index, true));
  span.addEventListener("mouseleave", () => highlight(index, false));
  span.addEventListener("click", () => choose(span, sentence, index));
  span.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      choose(span, sentence, index);
    }
  });
  return span;
}

function highlight(index, on) {
  document.querySelectorAll(`.sentence[data-index="${index}"]`).forEach((el) => el.classList.toggle("active", on));
}

function closePanel() {
  document.querySelectorAll(".sentence.chosen").forEach((el) => el.classList.remove("chosen"));
  document.querySelectorAll(".sentence-panel").forEach((el) => el.remove());
}

function choose(span, sentence, index) {
  const wasChosen = span.classList.contains("chosen");
  closePanel();
  if (wasChosen) return;
  document.querySelectorAll(`.sentence[data-index="${index}"]`).forEach((el) => el.classList.add("chosen"));
  const panel = $("sentence-panel-template").content.firstElementChild.cloneNode(true);
  panel.querySelector(".panel-source").textContent = `Norsk: ${sentence.source}`;
  const notes = (sentence.flags || []).map(explain);
  if (sentence.origin === "memory") notes.push("From the translation memory: a person's translation.");
  if (sentence.origin === "cache") notes.push("Translated before and reused.");
  panel.querySelector(".panel-notes").textContent = notes.length ? notes.join(" ") : "Nothing to note about this sentence.";
  const correct = panel.querySelector(".panel-correct");
  const start = panel.querySelector(".start-correction");
  const editor = panel.querySelector(".correction");
  start.hidden = !settings.suggestions;
  start.addEventListener("click", () => {
    correct.hidden = false;
    start.hidden = true;
    editor.value = sentence.target ?? "";
    editor.focus();
  });
  panel.querySelector(".cancel-correction").addEventListener("click", () => {
    correct.hidden = true;
    start.hidden = !settings.suggestions;
  });
  panel.querySelector(".save-correction").addEventListener("click", () => saveCorrection(sentence, index, editor.value));
  panel.querySelector(".close-panel").addEventListener("click", closePanel);
  span.closest(".block").after(panel);
}

async function saveCorrection(sentence, index, english) {
  const text = english.trim();
  if (!text) {
    setStatus("Write the English for the sentence first.", true);
    return;
  }
  const body = { q: sentence.source, s: text, source: "nb", target: "en" };
  const apiKey = $("api-key").value;
  if (apiKey) body.api_key = apiKey;
  try {
    await post("suggest", body);
  } catch (error) {
    setStatus(error instanceof ServerError ? error.message.replace("Could not translate", "Could not save") : `Could not reach the server: ${error.message}`, true);
    return;
  }
  sentence.target = text;
  sentence.origin = "memory";
  document.querySelectorAll(`.en .sentence[data-index="${index}"]`).forEach((el) => {
    el.textContent = text;
    el.classList.add("memory");
    el.classList.remove("flagged");
  });
  closePanel();
  setStatus("Correction saved: this sentence will be translated this way from now on.");
}

function blockRow(block, seenFlags) {
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
      const index = sentenceIndex++;
      nb.append(sentenceSpan(sentence, index, "nb"));
      en.append(sentenceSpan(sentence, index, "en"));
      for (const flag of sentence.flags || []) {
        if (flag !== "passthrough") {
          notes.push(`“${sentence.source.slice(0, 40)}${sentence.source.length > 40 ? "…" : ""}”: ${explain(flag)}`);
          seenFlags.add(flag.split(":")[0]);
        }
      }
      if (sentence.origin === "memory") seenFlags.add("memory");
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
  return row;
}

function renderBlocks(blocks, append = false) {
  const container = $("blocks");
  if (!append) {
    container.replaceChildren();
    sentenceIndex = 0;
    container.seenFlags = new Set();
  }
  for (const block of blocks) container.append(blockRow(block, container.seenFlags));
  const seen = container.seenFlags;
  const parts = [];
  if ([...seen].some((flag) => flag !== "memory")) {
    parts.push("Sentences marked yellow need a check: the note under each says why.");
  }
  if (seen.has("memory")) parts.push("Sentences underlined green come from the translation memory (a person's translation).");
  parts.push("Hover, tap or focus a sentence to see its pair and its notes.");
  $("legend").textContent = parts.join(" ");
  $("result").hidden = false;
}

function renderSummary(answer, style) {
  const section = $("summary-section");
  if (!answer.summary) {
    section.hidden = true;
    return;
  }
  const styleName = $("summary-style").querySelector(`option[value="${style}"]`)?.textContent || style;
  $("summary-label").textContent =
    `Written by a machine from the English translation (style: ${styleName}). Check it against the article before you use it.`;
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

function englishText() {
  const blocks = [...document.querySelectorAll("#blocks .block .en")].map((en) => {
    const copy = en.cloneNode(true);
    copy.querySelectorAll(".flags").forEach((list) => list.remove());
    return copy.textContent.trim();
  });
  return blocks.filter(Boolean).join("\n\n");
}

async function copyEnglish() {
  const text = englishText();
  if (!text) return;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Without the async clipboard (plain http on another host): a hidden textarea and copy.
    const scratch = document.createElement("textarea");
    scratch.value = text;
    scratch.setAttribute("readonly", "");
    scratch.style.position = "fixed";
    scratch.style.opacity = "0";
    document.body.append(scratch);
    scratch.select();
    const copied = document.execCommand("copy");
    scratch.remove();
    if (!copied) {
      setStatus("The browser would not copy: select the English and copy it by hand.", true);
      return;
    }
  }
  setStatus("The English is on the clipboard.");
}

// ---- the work ---------------------------------------------------------------------------

function textParts(text) {
  // Blank-line blocks grouped into parts of about PART_CHARS; never more than MAX_PARTS.
  const blocks = text.split(/\n[ \t]*\n/).filter((block) => block.trim());
  const size = Math.max(PART_CHARS, Math.ceil(text.length / MAX_PARTS));
  const parts = [];
  let current = [];
  let length = 0;
  for (const block of blocks) {
    if (current.length && length + block.length > size) {
      parts.push(current.join("\n\n"));
      current = [];
      length = 0;
    }
    current.push(block);
    length += block.length;
  }
  if (current.length) parts.push(current.join("\n\n"));
  return parts;
}

function showProgress(done, total, label) {
  $("progress-row").hidden = false;
  const bar = $("progress");
  if (total) {
    bar.max = total;
    bar.value = done;
  } else {
    bar.removeAttribute("value"); // indeterminate: a file is one request
  }
  $("progress-text").textContent = label;
}

function finishedStatus(answer, seconds) {
  const sentences = answer.cache.hits + answer.cache.misses;
  const reused = answer.reused ?? answer.cache.hits;
  const parts = [`Translated ${plural(sentences, "sentence", "sentences")} in ${seconds} s.`];
  if (reused) parts.push(`${reused === sentences ? "All" : reused} of them had been translated before and were reused.`);
  const flagged = answer.blocks.flatMap((block) => block.sentences).filter((s) => (s.flags || []).some((f) => f !== "passthrough")).length;
  if (flagged) parts.push(`${plural(flagged, "sentence needs", "sentences need")} a check (marked yellow).`);
  return parts.join(" ");
}

function summaryWanted() {
  return { summary: $("want-summary").checked, style: $("summary-style").value };
}

function withKey(payload) {
  const apiKey = $("api-key").value;
  if (apiKey) payload.api_key = apiKey;
  return payload;
}

async function translateFile(file, signal) {
  const { summary, style } = summaryWanted();
  const body = new FormData();
  body.append("file", file);
  body.append("summary", summary ? "true" : "false");
  body.append("style", style);
  body.append("download", "true");
  const apiKey = $("api-key").value;
  if (apiKey) body.append("api_key", apiKey);
  showProgress(0, 0, `Translating ${file.name}…`);
  return post("v1/articles", body, signal, false);
}

async function translateText(text, signal) {
  const { summary, style } = summaryWanted();
  const parts = textParts(text);
  if (parts.length > 1) {
    let done = 0;
    let reused = 0;
    renderBlocks([], false);
    showProgress(0, text.length, `Part 0 of ${parts.length}`);
    for (const [i, part] of parts.entries()) {
      const answer = await post("v1/articles", withKey({ text: part, summary: false }), signal);
      renderBlocks(answer.blocks, true);
      reused += answer.cache.hits;
      done += part.length;
      showProgress(done, text.length, `Part ${i + 1} of ${parts.length}`);
      setStatus(`Translating… ${i + 1} of ${parts.length} parts done.`);
    }
    // The whole article once more: every sentence now comes from the cache; this gives the
    // summary and the download in the article's own blocks.
    const whole = await post("v1/articles", withKey({ text, summary, style, download: true, filename: "article.txt" }), signal);
    whole.reused = reused;
    return whole;
  }
  showProgress(0, 0, "Translating…");
  return post("v1/articles", withKey({ text, summary, style, download: true, filename: "article.txt" }), signal);
}

async function translate() {
  const text = $("source-text").value;
  if (!chosenFile && !text.trim()) {
    setStatus("Paste some Norwegian text or choose a file first.", true);
    $("source-text").focus();
    return;
  }
  if (!chosenFile && settings.charLimit > 0 && text.length > settings.charLimit) {
    setStatus(`The text has ${text.length.toLocaleString("en")} characters; this server takes at most ${settings.charLimit.toLocaleString("en")}. Shorten it or upload it as a file.`, true);
    return;
  }
  if (running) running.abort();
  const controller = new AbortController();
  running = controller;
  button.disabled = true;
  cancelButton.hidden = false;
  closePanel();
  setStatus("Translating…");
  const started = performance.now();
  const { style } = summaryWanted();
  try {
    const answer = chosenFile ? await translateFile(chosenFile, controller.signal) : await translateText(text, controller.signal);
    lastPayload = answer;
    renderBlocks(answer.blocks);
    renderSummary(answer, style);
    const link = $("download-link");
    if (answer.download) {
      link.href = answer.download.url;
      link.download = answer.download.filename;
      link.textContent = `Download the English (${answer.download.filename})`;
      link.hidden = false;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    setStatus(finishedStatus(answer, seconds));
  } catch (error) {
    if (error.name === "AbortError") {
      const shown = document.querySelectorAll("#blocks .block").length;
      setStatus(`Cancelled. ${shown ? `The ${plural(shown, "block", "blocks")} done so far are shown.` : "Nothing was translated."}`);
    } else if (error instanceof ServerError) {
      setStatus(error.message, true);
    } else {
      setStatus(`Could not reach the server: ${error.message}`, true);
    }
  } finally {
    if (running === controller) running = null;
    button.disabled = false;
    cancelButton.hidden = true;
    $("progress-row").hidden = true;
  }
}

// ---- input: text, file, drop --------------------------------------------------------------

function updateCharCount() {
  const count = $("source-text").value.length;
  const label = $("char-count");
  const limit = settings.charLimit;
  label.textContent = limit > 0
    ? `${count.toLocaleString("en")} of ${limit.toLocaleString("en")} characters`
    : plural(count, "character", "characters").replace(/^(\d+)/, (n) => Number(n).toLocaleString("en"));
  label.classList.toggle("error", limit > 0 && count > limit);
}

function chooseFile(file) {
  chosenFile = file;
  $("file-chip").hidden = !file;
  if (file) {
    $("file-name").textContent = `${file.name} (${Math.max(1, Math.round(file.size / 1024))} kB)`;
    setStatus(`${file.name} will be translated (the text box is ignored while a file is chosen).`);
  } else {
    $("source-file").value = "";
    setStatus("");
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  translate();
});
cancelButton.addEventListener("click", () => running && running.abort());
$("copy-button").addEventListener("click", copyEnglish);
$("source-text").addEventListener("input", updateCharCount);
$("source-text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    translate();
  }
});
$("source-file").addEventListener("change", () => chooseFile($("source-file").files[0] || null));
$("clear-file").addEventListener("click", () => chooseFile(null));
const dropZone = $("drop-zone");
dropZone.addEventListener("dragover", (event) => {
  event.preventDefault();
  dropZone.classList.add("dragging");
});
dropZone.addEventListener("dragleave", () => dropZone.classList.remove("dragging"));
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropZone.classList.remove("dragging");
  const file = event.dataTransfer && event.dataTransfer.files[0];
  if (file) chooseFile(file);
});
$("summary-style").addEventListener("change", () => {
  if (lastPayload && $("want-summary").checked) translate(); // the sentences come from the cache
});
$("want-summary").addEventListener("change", () => {
  if (lastPayload && $("want-summary").checked) translate();
});

fetch("frontend/settings")
  .then(readAnswer)
  .then((answer) => {
    settings.charLimit = typeof answer.charLimit === "number" ? answer.charLimit : -1;
    settings.suggestions = Boolean(answer.suggestions);
    $("key-row").hidden = !answer.keyRequired;
    if (answer.summary && answer.summary.default) $("summary-style").value = answer.summary.default;
    if (answer.supportedFilesFormat) $("source-file").accept = answer.supportedFilesFormat.join(",");
    updateCharCount();
  })
  .catch(() => setStatus("Could not read the server's settings: translating may still work.", true));
updateCharCount();
