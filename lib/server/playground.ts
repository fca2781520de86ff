/**
 * The playground page served at `GET /`: one self-contained HTML file (inline CSS and JS, no
 * build step, nothing loaded from the network). Pick or create a user, paste profile texts,
 * type a prompt, move beta, and watch the baseline and the personalized completion stream side
 * by side, with the tokens the user's vector favours most. It talks to the same API as any
 * client (with the API key typed into the page, kept in sessionStorage).
 * @module
 */

/** The page. */
export const PLAYGROUND_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>persona-gen playground</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2430; background: #f6f7f9; }
  body { margin: 0 auto; max-width: 1200px; padding: 16px 24px; }
  h1 { font-size: 1.3rem; margin: 0 0 4px; }
  .sub { color: #5b6575; margin: 0 0 16px; font-size: .9rem; }
  fieldset { border: 1px solid #d5d9e0; border-radius: 8px; background: #fff; margin: 0 0 12px; padding: 10px 14px; }
  legend { font-weight: 600; padding: 0 4px; }
  label { display: inline-block; margin: 4px 12px 4px 0; font-size: .9rem; }
  textarea, input[type=text], input[type=password], input[type=number], select { font: inherit; padding: 4px 6px; border: 1px solid #c3c9d3; border-radius: 4px; }
  textarea { width: 100%; box-sizing: border-box; }
  button { font: inherit; padding: 5px 14px; border-radius: 4px; border: 1px solid #2f5fb3; background: #3a6fd0; color: #fff; cursor: pointer; }
  button:disabled { opacity: .5; cursor: default; }
  .row { display: flex; gap: 16px; flex-wrap: wrap; align-items: center; }
  .outputs { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
  .out { white-space: pre-wrap; min-height: 120px; font-family: ui-monospace, monospace; font-size: .9rem; background: #fbfbfc; border: 1px solid #e1e4ea; border-radius: 6px; padding: 8px; }
  .meta { color: #5b6575; font-size: .8rem; margin-top: 4px; min-height: 1em; }
  #favoured span { display: inline-block; margin: 2px; padding: 2px 6px; border-radius: 10px; background: #e4ecfb; font-family: ui-monospace, monospace; font-size: .85rem; }
  #status { font-size: .85rem; color: #5b6575; min-height: 1.2em; }
  #status.error { color: #b3261e; }
</style>
</head>
<body>
<h1>persona-gen playground</h1>
<p class="sub">Model <b id="modelName">…</b>. The same prompt, greedy, with and without the user's bias (beta · similarity(token, user) added to the logits).</p>

<fieldset>
  <legend>Access</legend>
  <label>API key <input id="apiKey" type="password" size="28" autocomplete="off" placeholder="(none needed if the server has no keys)"></label>
  <button id="connect" type="button">Connect</button>
</fieldset>

<fieldset>
  <legend>User</legend>
  <div class="row">
    <label>Existing user <select id="userSelect"><option value="">(none)</option></select></label>
    <label>or new user id <input id="newUser" type="text" size="20" placeholder="e.g. alice"></label>
  </div>
  <label for="profileTexts">Profile texts (one per paragraph; separate texts by a blank line)</label>
  <textarea id="profileTexts" rows="5" placeholder="Texts the user wrote…"></textarea>
  <div class="row"><button id="saveProfile" type="button">Save profile</button></div>
  <div>Tokens the bias favours most: <span id="favoured"></span></div>
</fieldset>

<fieldset>
  <legend>Prompt</legend>
  <textarea id="prompt" rows="3">Once upon a time</textarea>
  <div class="row">
    <label>beta <input id="beta" type="range" min="0" max="20" step="0.5" value="2"> <output id="betaValue">2</output></label>
    <label>guard top-k <input id="guardTopK" type="number" min="0" value="0" style="width:5em"></label>
    <label>max tokens <input id="maxTokens" type="number" min="1" value="64" style="width:5em"></label>
    <button id="generate" type="button">Generate</button>
  </div>
</fieldset>

<div id="status" role="status"></div>
<div class="outputs">
  <div><b>Baseline</b> (no personalization)<div id="baseline" class="out"></div><div id="baselineMeta" class="meta"></div></div>
  <div><b>Personalized</b> (<span id="personalizedLabel">beta 2</span>)<div id="personalized" class="out"></div><div id="personalizedMeta" class="meta"></div></div>
</div>

<script>
"use strict";
const $ = (id) => document.getElementById(id);
let modelId = null;
$("apiKey").value = sessionStorage.getItem("persona-gen-key") || "";

function status(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function headers(json) {
  const h = {};
  const key = $("apiKey").value.trim();
  if (key) h["authorization"] = "Bearer " + key;
  if (json) h["content-type"] = "application/json";
  return h;
}

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error((data && data.error && data.error.message) || (res.status + " " + res.statusText));
  return data;
}

function currentUser() {
  return $("newUser").value.trim() || $("userSelect").value;
}

async function loadUsers(select) {
  const list = await api("GET", "/v1/users?limit=1000");
  const sel = $("userSelect");
  sel.replaceChildren(new Option("(none)", ""));
  for (const u of list.data) sel.add(new Option(u.id + " (" + u.items + " texts)", u.id));
  if (select) sel.value = select;
}

async function showFavoured() {
  const box = $("favoured");
  box.replaceChildren();
  const user = currentUser();
  if (!user) return;
  try {
    const p = await api("GET", "/v1/users/" + encodeURIComponent(user) + "/profile?top_tokens=16");
    for (const t of p.favoured_tokens || []) {
      const s = document.createElement("span");
      s.textContent = JSON.stringify(t.token).slice(1, -1) + " " + t.similarity.toFixed(2);
      s.title = "token " + t.id + ": bias = beta x " + t.similarity.toFixed(4);
      box.append(s);
    }
  } catch (e) {
    box.textContent = "(" + e.message + ")";
  }
}

async function connect() {
  sessionStorage.setItem("persona-gen-key", $("apiKey").value.trim());
  try {
    const models = await api("GET", "/v1/models");
    modelId = models.data[0].id;
    $("modelName").textContent = modelId;
    await loadUsers();
    status("connected");
  } catch (e) {
    status(e.message, true);
  }
}

async function saveProfile() {
  const user = currentUser();
  if (!user) return status("give a user id first", true);
  const texts = $("profileTexts").value.split(/\\n\\s*\\n/).map((t) => t.trim()).filter(Boolean);
  try {
    const p = await api("PUT", "/v1/users/" + encodeURIComponent(user) + "/profile", { texts });
    $("newUser").value = "";
    await loadUsers(p.id);
    await showFavoured();
    status("saved profile of " + p.id + " (" + p.items + " texts)");
  } catch (e) {
    status(e.message, true);
  }
}

async function streamInto(body, out, meta) {
  out.textContent = "";
  meta.textContent = "";
  const res = await fetch("/v1/completions", { method: "POST", headers: headers(true), body: JSON.stringify(body) });
  if (!res.ok) {
    const data = await res.json().catch(() => null);
    throw new Error((data && data.error && data.error.message) || String(res.status));
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let cut;
    while ((cut = buf.indexOf("\\n\\n")) >= 0) {
      const event = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      for (const line of event.split("\\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") continue;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        if (chunk.usage) meta.textContent += chunk.usage.completion_tokens + " tokens. ";
        const c = chunk.choices && chunk.choices[0];
        if (c && c.text) out.textContent += c.text;
        if (c && c.finish_reason) meta.textContent += "finish: " + c.finish_reason + ". ";
        if (chunk.persona) meta.textContent += chunk.persona.applied ? "bias applied. " : "no bias (" + chunk.persona.reason + "). ";
      }
    }
  }
  out.dataset.done = "1";
}

async function generate() {
  if (!modelId) await connect();
  const user = currentUser();
  const beta = Number($("beta").value);
  const common = { model: modelId, prompt: $("prompt").value, max_tokens: Number($("maxTokens").value), temperature: 0, stream: true, stream_options: { include_usage: true } };
  const persona = { beta };
  const k = Number($("guardTopK").value);
  if (k > 0) persona.guardTopK = k;
  $("baseline").dataset.done = "";
  $("personalized").dataset.done = "";
  $("generate").disabled = true;
  status("generating…");
  try {
    await Promise.all([
      streamInto(common, $("baseline"), $("baselineMeta")),
      streamInto(user ? { ...common, user, persona } : common, $("personalized"), $("personalizedMeta")),
    ]);
    status(user ? "done" : "done (no user picked: both outputs are unpersonalized)");
  } catch (e) {
    status(e.message, true);
  } finally {
    $("generate").disabled = false;
  }
}

$("beta").addEventListener("input", () => {
  $("betaValue").textContent = $("beta").value;
  $("personalizedLabel").textContent = "beta " + $("beta").value;
});
$("userSelect").addEventListener("change", () => { $("newUser").value = ""; showFavoured(); });
$("connect").addEventListener("click", connect);
$("saveProfile").addEventListener("click", saveProfile);
$("generate").addEventListener("click", generate);
connect();
</script>
</body>
</html>
`;
