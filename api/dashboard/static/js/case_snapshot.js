// The case snapshot as a definition list: what it is, where it stands, the handling tracks,
// assessment, escalations, feedback and opinions. The petitioner arrives masked from the API.
import { vocab } from "./api.js";
import { formatTime, h } from "./dom.js";
import { own, pick, t } from "./i18n.js";
import { unitName } from "./units.js";

function row(labelKey, ...value) {
  return [h("dt", {}, t(labelKey)), h("dd", {}, ...value)];
}

/** A row labelled as the API's field is everywhere (vocabulary.json: one place per label). */
function fieldRow(name, ...value) {
  const v = vocab();
  return [h("dt", {}, pick(v.registration[name] ?? v.fields[name], name)), h("dd", {}, ...value)];
}

function tracks(snapshot) {
  const v = vocab();
  return h(
    "ul",
    { class: "tracks" },
    Object.entries(snapshot.tracks ?? {}).map(([track, status]) =>
      h(
        "li",
        { class: `track track-${status}` },
        pick(v.tracks[track], track),
        "：",
        pick(v.track_statuses[status], status),
      ),
    ),
  );
}

function assessment(snapshot) {
  const a = snapshot.assessment;
  if (!a) return "—";
  const v = vocab();
  const parts = [pick(v.choices[a.claim], a.claim)];
  if (a.hardship) parts.push(pick(v.fields.hardship));
  if (a.unlawful_conduct) parts.push(pick(v.fields.unlawful_conduct));
  if (a.note) parts.push(a.note);
  return parts.join("；");
}

function escalations(snapshot) {
  const v = vocab();
  if (!snapshot.escalations?.length) return "—";
  return h(
    "ul",
    {},
    snapshot.escalations.map((e) =>
      h(
        "li",
        {},
        `${unitName(e.from_unit)} → ${unitName(e.to_unit)}（${pick(v.levels[e.to_level])}）`,
        ` ${e.cause === "manual" ? pick(v.actions.escalate) : pick(v.actions.auto_escalate)}`,
        ` · ${formatTime(e.at)}`,
      ),
    ),
  );
}

function feedback(snapshot) {
  const v = vocab();
  if (!snapshot.feedback?.length) return "—";
  return h(
    "ul",
    {},
    snapshot.feedback.map((f) => {
      const caller = f.caller ? own(snapshot.user_names, f.caller) ?? f.caller : null;
      const callback = [f.method ? pick(own(v.choices, f.method), f.method) : null, f.contacted_on, caller];
      return h(
        "li",
        { dataset: { testid: "feedback-entry" } },
        pick(v.choices[f.rating], f.rating),
        f.note ? `：${f.note}` : "",
        callback.some(Boolean) ? `（${callback.filter(Boolean).join("，")}）` : "",
        ` · ${formatTime(f.at)}`,
      );
    }),
  );
}

function opinions(snapshot) {
  const v = vocab();
  if (!snapshot.opinions?.length) return "—";
  return h(
    "ul",
    {},
    snapshot.opinions.map((o) =>
      h(
        "li",
        {},
        o.decision ? `${pick(v.choices[o.decision], o.decision)}：` : "",
        o.summary,
        ` · ${formatTime(o.at)}`,
      ),
    ),
  );
}

export function stateBadges(snapshot) {
  const v = vocab();
  return [
    h("span", { class: `badge badge-state state-${snapshot.state}`, dataset: { testid: "case-state" } },
      pick(v.states[snapshot.state], snapshot.state_label)),
    snapshot.overdue ? h("span", { class: "badge badge-overdue" }, t("overdue")) : null,
    snapshot.at_risk ? h("span", { class: "badge badge-risk" }, t("at_risk")) : null,
  ];
}

export function renderSnapshot(snapshot) {
  const v = vocab();
  const p = snapshot.petitioner ?? {};
  return h(
    "dl",
    { class: "snapshot", dataset: { testid: "case-snapshot" } },
    row("tracking_code", snapshot.tracking_code),
    row("level", pick(v.levels[snapshot.level]), " · ", unitName(snapshot.unit_id)),
    fieldRow("category", snapshot.category),
    fieldRow("description", h("div", { class: "petition-text", dataset: { testid: "case-description" } },
      snapshot.description || "—")),
    fieldRow("kind", pick(v.kinds[snapshot.kind], snapshot.kind)),
    fieldRow("severity", pick(v.severities[snapshot.severity], snapshot.severity)),
    fieldRow("channel", pick(v.channels[snapshot.channel], snapshot.channel)),
    row("created", formatTime(snapshot.created_at)),
    row("next_due", formatTime(snapshot.next_due_at)),
    fieldRow("visit_count", String(snapshot.visit_count)),
    row("assignee", snapshot.assignee_name ?? snapshot.assignee ?? "—"),
    row("petitioner", [p.name, p.id_number, p.phone].filter(Boolean).join(" · ") || "—"),
    row("assessment", assessment(snapshot)),
    row("tracks", tracks(snapshot)),
    row("escalations", escalations(snapshot)),
    row("feedback", feedback(snapshot)),
    row("opinions", opinions(snapshot)),
  );
}
