// The registration form (/dashboard/register): POST /api/v1/cases with the fields the API takes.
// A refused registration marks each field the problem names (422 `errors`), in the page's
// language; a retry of the same form sends the same Idempotency-Key, so it registers once.
import { ApiProblem, post, vocab } from "./api.js";
import { h, link, newIdempotencyKey, replaceChildren, toast } from "./dom.js";
import { pick, t } from "./i18n.js";
import { caseHref } from "./case_lists.js";
import { shanghaiDate } from "./time.js";
import { selectedUnit, unitOptions } from "./units.js";

// 集体访 is its own checkbox, not an urgency (it is sent as severity "group").
const URGENCIES = ["minor", "major", "urgent"];
const GROUP = "group";

function label(name) {
  return pick(vocab().registration[name], name);
}

function row(name, control, { required = false, hint } = {}) {
  control.id ||= `reg-${name.replace(".", "-")}`;
  return h(
    "div",
    { class: `form-row form-row-${control.type === "checkbox" ? "checkbox" : "field"}`, dataset: { field: name } },
    control.type === "checkbox"
      ? [control, h("label", { for: control.id }, label(name))]
      : [h("label", { for: control.id }, label(name), required ? " *" : ""), control],
    hint ? h("div", { class: "muted small" }, hint) : null,
    h("div", { class: "field-error", role: "alert" }),
  );
}

function choices(name, table, values, { value } = {}) {
  return h(
    "select",
    { name, required: true },
    values.map((choice) => h("option", { value: choice, selected: choice === value }, pick(table[choice], choice))),
  );
}

function text(name, { required = false, maxlength, type = "text", ...rest } = {}) {
  return h("input", { type, name, required, maxlength, ...rest });
}

function readBody(form) {
  const value = (name) => form.elements[name].value.trim();
  const body = {
    petitioner: {
      name: value("petitioner.name"),
      id_number: value("petitioner.id_number"),
      phone: value("petitioner.phone"),
      address: value("petitioner.address"),
    },
    channel: value("channel"),
    kind: value("kind"),
    category: value("category"),
    severity: form.elements.group.checked ? GROUP : value("severity"),
    unit_id: value("unit_id"),
    title: value("title"),
    description: form.elements.description.value,
  };
  const received = value("received_on");
  if (received && received !== shanghaiDate()) body.received_on = received; // today: the default
  if (form.elements.sms_opt_out.checked) body.sms_opt_out = true; // 短信告知: on unless refused
  return body;
}

/** Where a problem's field error goes: "petitioner.id_number" → that row; "severity" of a group
 * petition → the checkbox's row too. */
function showFieldErrors(form, errors) {
  let placed = 0;
  for (const { field, message } of errors ?? []) {
    const slot = form.querySelector(`[data-field="${CSS.escape(field)}"] .field-error`);
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent}；${message}` : message;
      placed += 1;
    }
  }
  return placed;
}

export function registrationView(root) {
  const v = vocab();
  let idempotencyKey = newIdempotencyKey();
  const unit = h("select", { name: "unit_id", required: true });
  unitOptions(unit, { value: selectedUnit(), vocabulary: v });
  const status = h("div", { class: "form-status", dataset: { testid: "register-status" } });
  const submit = h("button", { type: "submit", class: "primary" }, t("register_submit"));
  const form = h(
    "form",
    { class: "card registration-form", dataset: { testid: "registration-form" }, novalidate: true },
    h("h1", {}, t("register_title")),
    h(
      "fieldset",
      {},
      h("legend", {}, t("petitioner")),
      row("petitioner.name", text("petitioner.name", { required: true, maxlength: 100, autocomplete: "off" }), { required: true }),
      row("petitioner.id_number", text("petitioner.id_number", { maxlength: 18, autocomplete: "off", inputmode: "text" })),
      row("petitioner.phone", text("petitioner.phone", { maxlength: 30, type: "tel", autocomplete: "off" })),
      row("sms_opt_out", h("input", { type: "checkbox", name: "sms_opt_out", dataset: { testid: "reg-sms-opt-out" } })),
      row("petitioner.address", text("petitioner.address", { maxlength: 300, autocomplete: "off" })),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, t("matter")),
      row("title", text("title", { required: true, maxlength: 300 }), { required: true }),
      row("description", h("textarea", { name: "description", rows: 4, maxlength: 20000 })),
      row("channel", choices("channel", v.channels, Object.keys(v.channels), { value: "visit" }), { required: true }),
      row("kind", choices("kind", v.kinds, Object.keys(v.kinds), { value: "claim" }), { required: true }),
      row("category", text("category", { required: true, maxlength: 100 }), { required: true }),
      row("severity", choices("severity", v.severities, URGENCIES, { value: "minor" }), { required: true }),
      row("group", h("input", { type: "checkbox", name: "group" })),
      row("unit_id", unit, { required: true }),
      row("received_on", text("received_on", { type: "date", max: shanghaiDate(), value: shanghaiDate() }), {
        hint: t("received_hint"),
      }),
    ),
    status,
    h("div", { class: "form-buttons" }, submit),
  );
  // a group petition has no urgency of its own to choose
  form.elements.group.addEventListener("change", () => {
    form.elements.severity.disabled = form.elements.group.checked;
  });
  // any change is a new request: a new key (the same key with another body is refused)
  form.addEventListener("input", () => {
    idempotencyKey = newIdempotencyKey();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
    replaceChildren(status);
    submit.disabled = true;
    try {
      const answer = await post("/cases", readBody(form), { idempotencyKey });
      if (answer.case_id) {
        const repeat = answer.visit_count > 1;
        toast(repeat ? t("repeat_linked") : t("registered_ok", { code: answer.tracking_code }), {
          kind: "ok",
          seconds: 8,
        });
        history.pushState(null, "", caseHref(answer.case_id));
        dispatchEvent(new PopStateEvent("popstate"));
      } else {
        // a repeat of a case outside the caller's scope: only what its tracking page shows
        replaceChildren(status, h("div", { class: "notice" }, t("repeat_linked"), ` ${answer.tracking_code ?? ""}`));
      }
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      const placed = error.status === 422 ? showFieldErrors(form, error.errors) : 0;
      replaceChildren(
        status,
        h(
          "div",
          { class: "problem", role: "alert", dataset: { testid: "register-problem", status: error.status } },
          h("strong", {}, t("registration_failed")),
          placed && error.errors?.length === placed ? null : h("div", {}, error.detail || error.message),
        ),
      );
      form.querySelector(".field-error:not(:empty)")?.closest(".form-row")?.querySelector("input, select, textarea")?.focus();
    } finally {
      submit.disabled = false;
    }
  });
  replaceChildren(root, h("div", { class: "register-page" }, h("p", {}, link("/dashboard", t("back"))), form));
  form.elements["petitioner.name"].focus();
  return { onAlert: () => {}, onCase: () => {}, onUnitChange: () => {}, dispose() {} };
}
