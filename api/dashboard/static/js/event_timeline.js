// The case's event timeline (GET /api/v1/cases/{id}/timeline): who did what, when, and the
// state it moved the case from and to.
import { vocab } from "./api.js";
import { formatTime, h } from "./dom.js";
import { own, pick, t } from "./i18n.js";
import { unitName } from "./units.js";

function stateLabel(state) {
  return state ? pick(own(vocab().states, state), state) : "—";
}

/** A parameter's value in words: enums through their labels, clocks by name, units by name. */
function valueText(name, value) {
  const v = vocab();
  if (typeof value === "boolean") return value ? t("yes") : t("no");
  if (name === "parties" && Array.isArray(value)) {
    return value.map((p) => `${p.name}（${p.role}）`).join("、"); // 调解's parties, masked
  }
  if (name === "co_unit_ids" && Array.isArray(value)) return value.map(unitName).join("、") || "—";
  if (name === "document" && value && typeof value === "object") {
    // the notice the event issued: its kind and, once the projection numbered it, its 文号
    const kind = pick(own(v.document_kinds, value.kind), value.kind);
    return value.number ? `${kind} ${value.number}` : kind;
  }
  if (typeof value !== "string") return typeof value === "object" ? JSON.stringify(value) : value;
  const tables = {
    channel: v.channels,
    severity: v.severities,
    kind: v.kinds,
    track: v.tracks,
    clock: v.clocks,
    document_kind: v.document_kinds,
  };
  if (name === "unit_id" || name.endsWith("_unit_id") || name === "issuing_unit") {
    return unitName(value);
  }
  if (name === "due_at") return formatTime(value);
  if (name === "clock") return pick(own(v.clocks, value.split("#")[0]), value);
  const label = own(own(tables, name), value) ?? own(v.choices, value);
  return label ? pick(label, value) : value;
}

function paramText(name, value, names) {
  const shown = own(names, value) ?? valueText(name, value); // a user by name
  return `${pick(own(vocab().fields, name), name)}: ${shown}`;
}

// Free text kept on an event (a repeat visit's own text) reads as a paragraph of its own.
const TEXT_PARAMS = new Set(["description"]);

function eventItem(event) {
  const v = vocab();
  const moved = event.from_state !== event.to_state;
  const params = Object.entries(event.params ?? {}).filter(
    ([name, value]) => value !== "" && value !== null && value !== undefined && !TEXT_PARAMS.has(name),
  );
  const texts = Object.entries(event.params ?? {}).filter(([name, value]) => TEXT_PARAMS.has(name) && value);
  return h(
    "li",
    { class: `event event-${event.action}`, dataset: { seq: event.seq, action: event.action } },
    h("div", { class: "event-time" }, formatTime(event.at)),
    h(
      "div",
      { class: "event-body" },
      h("strong", {}, pick(own(v.actions, event.action), event.action_label)),
      " ",
      h(
        "span",
        { class: "muted small" },
        `${t("by")} ${event.actor_name || event.actor} (${pick(own(v.roles, event.role), event.role)})`,
      ),
      h(
        "div",
        { class: "small" },
        moved ? `${stateLabel(event.from_state)} → ${stateLabel(event.to_state)}` : stateLabel(event.to_state),
      ),
      params.length
        ? h("div", { class: "muted small" }, params.map(([n, val]) => paramText(n, val, event.user_names ?? {})).join("；"))
        : null,
      texts.map(([, value]) => h("p", { class: "petition-text event-text" }, value)),
    ),
  );
}

export function renderEventTimeline(events) {
  if (!events?.length) return h("p", { class: "muted" }, t("none"));
  return h("ol", { class: "event-timeline", dataset: { testid: "event-timeline-list" } }, events.map(eventItem));
}
