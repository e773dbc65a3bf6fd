// 查看联系方式: for a caller the API allows (the snapshot's may_reveal_contact — the officers of the
// unit holding an open case, supervisors, admins), asks why, then shows the petitioner's unmasked
// details (GET /cases/{id}?reveal=pii&reason=…). The API puts every reading in its access log.
import { get } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { pick } from "./i18n.js";

const WORDS = {
  open: ["查看联系方式", "Show contact details"],
  reason: ["查看理由", "Reason"],
  reason_hint: ["如：电话回访", "e.g. calling the petitioner back"],
  show: ["查看", "Show"],
  cancel: ["取消", "Cancel"],
  hide: ["隐藏", "Hide"],
  name: ["姓名", "Name"],
  phone: ["联系电话", "Phone"],
  id_number: ["身份证号", "ID number"],
  address: ["住址", "Address"],
  on_record: ["本次查看已记录在案", "This reading is on record"],
};
const word = (key) => pick(WORDS[key]);

export function contactReveal(caseId) {
  const element = h("div", { class: "contact-reveal", dataset: { testid: "contact-reveal" } });
  let allowed = false;
  let busy = false; // a form or the details are open: a live reload leaves them alone

  function button() {
    busy = false;
    replaceChildren(
      element,
      allowed
        ? h("button", { type: "button", dataset: { testid: "reveal-contact" }, onclick: form }, word("open"))
        : null,
    );
  }

  function form() {
    busy = true;
    const reason = h("input", {
      type: "text", id: "reveal-reason", name: "reason", required: true, minlength: 2,
      maxlength: 500, placeholder: word("reason_hint"), dataset: { testid: "reveal-reason" },
    });
    const status = h("div", { class: "form-status", role: "alert" });
    const submit = h("button", { type: "submit", class: "primary" }, word("show"));
    const box = h(
      "form",
      { class: "action-form", novalidate: true },
      h("div", { class: "form-row" }, h("label", { for: reason.id }, word("reason"), " *"), reason),
      status,
      h("div", { class: "form-buttons" }, submit, h("button", { type: "button", onclick: button }, word("cancel"))),
    );
    box.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      try {
        const snapshot = await get(`/cases/${encodeURIComponent(caseId)}`, { reveal: "pii", reason: reason.value });
        details(snapshot.petitioner_revealed ?? {});
      } catch (error) {
        submit.disabled = false;
        replaceChildren(status, h("div", { class: "problem", dataset: { status: error.status ?? "" } }, error.detail || error.message));
      }
    });
    replaceChildren(element, box);
    reason.focus();
  }

  function details(person) {
    const row = (key) => [h("dt", {}, word(key)), h("dd", {}, person[key] || "—")];
    replaceChildren(
      element,
      h("dl", { class: "snapshot", dataset: { testid: "revealed-contact" } },
        row("name"), row("phone"), row("id_number"), row("address")),
      h("p", { class: "muted small" }, word("on_record")),
      h("button", { type: "button", onclick: button }, word("hide")),
    );
  }

  /** A new snapshot: the button appears or goes with the caller's right to reveal. */
  function update(snapshot) {
    const was = allowed;
    allowed = Boolean(snapshot.may_reveal_contact);
    if (!allowed || !busy || was !== allowed) button();
  }

  return { element, update };
}
