// Action buttons built from the snapshot's allowed_actions, each opening a form for that action's
// parameters (described by /dashboard/vocabulary.json from the API's own models). Problems are
// shown as sentences: a 409 says why and what is allowed now, a 422 marks each bad field.
import { ApiProblem, get, post, vocab } from "./api.js";
import { h, newIdempotencyKey, replaceChildren, toast } from "./dom.js";
import { pick, t } from "./i18n.js";
import { selectedUnit, unitOptions } from "./units.js";

function actionLabel(name) {
  return pick(vocab().actions[name], name);
}

/** A user of the unit holding the case, by name (GET /users; the API checks the choice). */
function userSelect(common, field, unitId) {
  const select = h("select", common, field.required ? null : h("option", { value: "" }, "—"));
  // "from caller": the caller's own subtree (a 包案 leader may sit above the unit holding it)
  const params = field.from === "caller" ? { role: field.role } : { unit_id: unitId, role: field.role };
  get("/users", params)
    .then((users) => {
      for (const user of users) select.append(h("option", { value: user.id }, user.name || user.id));
    })
    .catch(() => {}); // the form still submits; the API names what is wrong
  return select;
}

/** 调解's parties: a row each (name, person or organisation, role), two to start with. */
function partiesInput(field) {
  const rows = h("div", { class: "party-rows" });
  const addRow = () =>
    rows.append(
      h(
        "div",
        { class: "party-row", dataset: { testid: "party-row" } },
        h("input", { type: "text", class: "party-name", maxlength: 100, placeholder: t("party_name"), "aria-label": t("party_name") }),
        h(
          "select",
          { class: "party-kind", "aria-label": t("party_kind") },
          field.kinds.map((k) => h("option", { value: k.value }, pick(k.label))),
        ),
        h("input", { type: "text", class: "party-role", maxlength: 50, placeholder: t("party_role"), "aria-label": t("party_role") }),
      ),
    );
  addRow();
  addRow();
  const more = h("button", { type: "button", class: "link-button", dataset: { testid: "add-party" } }, t("add_party"));
  more.addEventListener("click", addRow);
  // the form reads the rows; the control carries the field's name for the error slot
  return h("div", { id: `field-${field.name}`, class: "parties-input", name: field.name }, rows, more);
}

function readParties(form) {
  return [...form.querySelectorAll(".party-row")]
    .map((row) => ({
      name: row.querySelector(".party-name").value.trim(),
      kind: row.querySelector(".party-kind").value,
      role: row.querySelector(".party-role").value.trim(),
    }))
    .filter((party) => party.name || party.role);
}

function input(field, { unitId } = {}) {
  const name = field.name;
  const common = { name, id: `field-${name}`, required: field.required };
  switch (field.widget) {
    case "select":
      return h(
        "select",
        common,
        field.required ? null : h("option", { value: "" }, "—"),
        field.choices.map((c) => h("option", { value: c.value }, pick(c.label))),
      );
    case "checkbox":
      return h("input", { ...common, type: "checkbox", required: false });
    case "number":
      return h("input", { ...common, type: "number", min: field.min, max: field.max, step: 1 });
    case "unit": {
      const select = h("select", common);
      unitOptions(select, { value: selectedUnit(), vocabulary: vocab() });
      return select;
    }
    case "units": {
      const select = h("select", { ...common, multiple: true, required: false, size: 5 });
      unitOptions(select, { value: null, vocabulary: vocab() });
      return select;
    }
    case "user":
      return userSelect(common, field, unitId);
    case "parties":
      return partiesInput(field);
    case "date":
      return h("input", { ...common, type: "date" });
    case "textarea":
      return h("textarea", { ...common, rows: 2, maxlength: field.max_length });
    default:
      return h("input", { ...common, type: "text", maxlength: field.max_length });
  }
}

function fieldRow(field, context) {
  const control = input(field, context);
  const label = h("label", { for: control.id }, pick(field.label), field.required ? " *" : "");
  const row = h(
    "div",
    { class: `form-row form-row-${field.widget}`, dataset: { field: field.name } },
    field.widget === "checkbox" ? [control, label] : [label, control],
    h("div", { class: "field-error", role: "alert" }),
  );
  return row;
}

function readForm(form, fields) {
  const params = {};
  for (const field of fields) {
    const control = form.elements[field.name];
    if (field.widget === "parties") params[field.name] = readParties(form);
    else if (field.widget === "checkbox") params[field.name] = control.checked;
    else if (field.widget === "units") {
      params[field.name] = [...control.selectedOptions].map((option) => option.value);
    } else if (field.widget === "number") {
      if (control.value !== "") params[field.name] = Number(control.value);
    } else if (control.value !== "" || field.required) params[field.name] = control.value;
  }
  return params;
}

/** The readable sentence(s) for a failed action. */
export function problemMessage(action, error) {
  if (!(error instanceof ApiProblem)) return { title: t("failed"), lines: [error.message] };
  if (error.status === 409) {
    const allowed = (error.allowedActions ?? []).map(actionLabel);
    return {
      title: t("action_conflict", { action: actionLabel(action) }),
      lines: [
        error.detail,
        allowed.length ? t("allowed_now", { list: allowed.join("、") }) : t("nothing_allowed"),
      ],
    };
  }
  if (error.status === 422) return { title: t("invalid_params"), lines: [error.detail] };
  if (error.status === 403) return { title: t("forbidden"), lines: [error.detail] };
  if (error.status === 503) return { title: t("busy_retry"), lines: [error.detail] };
  return { title: t("failed"), lines: [error.detail || error.message] };
}

function problemBox(action, error) {
  const { title, lines } = problemMessage(action, error);
  return h(
    "div",
    {
      class: `problem problem-${error.status ?? "error"}`,
      role: "alert",
      dataset: { testid: "action-problem", status: error.status ?? "" },
    },
    h("strong", {}, title),
    lines.filter(Boolean).map((line) => h("div", {}, line)),
  );
}

/**
 * The actions panel of a case page.
 * onDone(snapshot) after a success; onStale() when the server says the page is out of date.
 */
export function actionPanel(caseId, { onDone, onStale }) {
  const buttons = h("div", { class: "action-buttons", dataset: { testid: "action-buttons" } });
  const formBox = h("div", { class: "action-form-box" });
  const messages = h("div", { class: "action-messages" });
  const element = h("div", { class: "actions" }, buttons, formBox, messages);
  let open = null; // {action, form}
  let unitId = null; // the unit holding the case: its users are the ones a form may name

  function close() {
    open = null;
    formBox.replaceChildren();
  }

  function openForm(action) {
    messages.replaceChildren();
    const fields = vocab().forms[action] ?? [];
    const idempotencyKey = newIdempotencyKey(); // a retry of this form changes nothing twice
    const status = h("div", { class: "form-status" });
    const submit = h("button", { type: "submit", class: "primary" }, t("submit"));
    const form = h(
      "form",
      { class: "action-form", dataset: { action, testid: "action-form" }, novalidate: true },
      h("h3", {}, actionLabel(action)),
      fields.map((field) => fieldRow(field, { unitId })),
      status,
      h(
        "div",
        { class: "form-buttons" },
        submit,
        h("button", { type: "button", onclick: close }, t("cancel")),
      ),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
      submit.disabled = true;
      try {
        const params = readForm(form, fields);
        const snapshot = await post(`/cases/${encodeURIComponent(caseId)}/actions`, { action, ...params }, { idempotencyKey });
        close();
        toast(`${actionLabel(action)}：${t("action_done")}`, { kind: "ok", seconds: 3 });
        onDone(snapshot);
      } catch (error) {
        submit.disabled = false;
        if (error.status === 422) {
          for (const { field, message } of error.errors ?? []) {
            const slot = form.querySelector(`[data-field="${CSS.escape(field)}"] .field-error`);
            if (slot) slot.textContent = message;
          }
          replaceChildren(status, problemBox(action, error));
          return;
        }
        if (error.status === 503) {
          replaceChildren(status, problemBox(action, error));
          return;
        }
        close();
        replaceChildren(messages, problemBox(action, error));
        if (error.status === 409 && error.allowedActions) showButtons(error.allowedActions);
        if (error.status === 409 || error.status === 403) onStale();
      }
    });
    open = { action, form };
    replaceChildren(formBox, form);
    form.querySelector("input, select, textarea")?.focus();
  }

  function showButtons(allowed) {
    replaceChildren(
      buttons,
      allowed.length
        ? allowed.map((action) =>
            h(
              "button",
              {
                type: "button",
                class: "action-button",
                dataset: { action },
                onclick: () => openForm(action),
              },
              actionLabel(action),
            ),
          )
        : h("p", { class: "muted" }, t("no_actions")),
    );
  }

  /** A new snapshot: new buttons; an open form stays open (the user may still submit it). */
  function update(snapshot, { changedElsewhere = false } = {}) {
    unitId = snapshot.unit_id;
    showButtons(snapshot.allowed_actions ?? []);
    if (open && changedElsewhere) {
      const status = open.form.querySelector(".form-status");
      replaceChildren(status, h("div", { class: "notice" }, t("case_changed")));
    }
  }

  return { element, update, isOpen: () => open !== null };
}
