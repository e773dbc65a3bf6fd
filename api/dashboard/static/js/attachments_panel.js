// A case's attachments (信件扫描件、照片、协议书) on its page: the list with a download for each, and
// an upload form. Self-contained — its own words and calls; the case page only places the card.
// The token never goes into a URL: downloads are fetched with it and handed to the browser as a
// file. Whether the caller may upload is the server's to say; its refusal is shown as it comes.
import { API, ApiProblem, authHeaders, vocab } from "./api.js";
import { formatTime, h, newIdempotencyKey, replaceChildren } from "./dom.js";
import { pick } from "./i18n.js";

const WORDS = {
  none: ["暂无附件", "No attachments yet"],
  file: ["文件", "File"],
  kind: ["类型", "Kind"],
  description: ["说明", "Description"],
  size: ["大小", "Size"],
  uploaded: ["上传", "Uploaded"],
  upload: ["上传附件", "Upload"],
  uploading: ["正在上传…", "Uploading…"],
  uploaded_ok: ["已上传：{name}", "Uploaded: {name}"],
  download: ["下载", "Download"],
  choose_file: ["请选择文件", "Choose a file"],
  accepted: [
    "接受 JPEG、PNG、PDF、TIFF、WebP，按文件内容判断；每次下载均记入个人信息访问记录。",
    "JPEG, PNG, PDF, TIFF or WebP, judged by content; every download is on the access log.",
  ],
  load_failed: ["附件加载失败", "Could not load attachments"],
};
const ACCEPT = "image/jpeg,image/png,application/pdf,image/tiff,image/webp,.jpg,.jpeg,.png,.pdf,.tif,.tiff,.webp";

function w(key, values = {}) {
  return pick(WORDS[key]).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

function kindLabel(kind) {
  return pick(vocab()?.attachment_kinds?.[kind], kind);
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function problemOf(response) {
  const body = await response.json().catch(() => null);
  return new ApiProblem(response.status, body);
}

/** The file behind an attachment, saved by the browser under its own (Chinese) name. */
async function download(attachment) {
  const response = await fetch(attachment.download_url, { headers: authHeaders() });
  if (!response.ok) throw await problemOf(response);
  const url = URL.createObjectURL(await response.blob());
  const anchor = h("a", { href: url, download: attachment.file_name, hidden: true });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function attachmentsPanel(caseId) {
  const base = `${API}/cases/${encodeURIComponent(caseId)}/attachments`;
  const listBox = h("div", { dataset: { testid: "attachment-list" } });
  const message = h("p", { class: "muted", role: "status", dataset: { testid: "attachment-message" } });
  const fileInput = h("input", { type: "file", name: "file", accept: ACCEPT, dataset: { testid: "attachment-file" } });
  const kindSelect = h(
    "select",
    { name: "kind", dataset: { testid: "attachment-kind" } },
    Object.keys(vocab()?.attachment_kinds ?? { other: null }).map((kind) =>
      h("option", { value: kind }, kindLabel(kind)),
    ),
  );
  const descriptionInput = h("input", { type: "text", name: "description", maxlength: 200, dataset: { testid: "attachment-description" } });
  const submit = h("button", { type: "submit", dataset: { testid: "attachment-upload" } }, w("upload"));
  const form = h(
    "form",
    { class: "attachment-form", onsubmit: (event) => (event.preventDefault(), send()) },
    h("label", {}, h("span", {}, w("file")), fileInput),
    h("label", {}, h("span", {}, w("kind")), kindSelect),
    h("label", {}, h("span", {}, w("description")), descriptionInput),
    submit,
    h("p", { class: "muted" }, w("accepted")),
  );

  function say(text, kind = "info") {
    message.textContent = text;
    message.className = kind === "error" ? "error" : "muted";
    message.dataset.kind = kind;
  }

  function row(attachment) {
    const button = h("button", { type: "button", class: "attachment-download" }, w("download"));
    button.addEventListener("click", () =>
      download(attachment).catch((error) => say(error.message, "error")),
    );
    return h(
      "tr",
      { dataset: { attachmentId: attachment.id } },
      h("td", { class: "attachment-name" }, attachment.file_name),
      h("td", {}, attachment.kind_label || kindLabel(attachment.kind)),
      h("td", {}, attachment.description || "—"),
      h("td", { class: "attachment-size" }, formatSize(attachment.size)),
      h("td", {}, `${formatTime(attachment.uploaded_at)} · ${attachment.uploaded_by_name || attachment.uploaded_by}`),
      h("td", {}, button),
    );
  }

  async function reload() {
    try {
      const response = await fetch(base, { headers: { Accept: "application/json", ...authHeaders() } });
      if (!response.ok) throw await problemOf(response);
      const attachments = await response.json();
      if (!attachments.length) {
        replaceChildren(listBox, h("p", { class: "muted" }, w("none")));
        return;
      }
      const head = ["file", "kind", "description", "size", "uploaded", "download"];
      replaceChildren(
        listBox,
        h(
          "div",
          { class: "table-scroll" },
          h(
            "table",
            { class: "attachments" },
            h("thead", {}, h("tr", {}, head.map((key) => h("th", {}, w(key))))),
            h("tbody", {}, attachments.map(row)),
          ),
        ),
      );
    } catch (error) {
      replaceChildren(listBox, h("p", { class: "error" }, `${w("load_failed")}: ${error.message}`));
    }
  }

  async function send() {
    const file = fileInput.files?.[0];
    if (!file) {
      say(w("choose_file"), "error");
      return;
    }
    const body = new FormData();
    body.append("file", file, file.name);
    body.append("kind", kindSelect.value);
    body.append("description", descriptionInput.value);
    submit.disabled = true;
    say(w("uploading"));
    try {
      const response = await fetch(base, {
        method: "POST",
        headers: { Accept: "application/json", "Idempotency-Key": newIdempotencyKey(), ...authHeaders() },
        body,
      });
      if (!response.ok) throw await problemOf(response);
      const made = await response.json();
      form.reset();
      say(w("uploaded_ok", { name: made.file_name }), "ok");
      await reload();
    } catch (error) {
      say(error.message, "error");
    } finally {
      submit.disabled = false;
    }
  }

  reload();
  return { element: h("div", { class: "attachments-panel" }, listBox, form, message), reload };
}
