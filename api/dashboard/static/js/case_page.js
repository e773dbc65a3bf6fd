// One case: its snapshot, the clock ledger as a timeline, the actions open to the caller, and
// the event timeline. Live events for this case reload it without touching an open form.
import { actionPanel } from "./action_forms.js";
import { attachmentsPanel } from "./attachments_panel.js";
import { get } from "./api.js";
import { renderClockLedger } from "./clock_ledger.js";
import { contactReveal } from "./contact_reveal.js";
import { h, link, loading, replaceChildren } from "./dom.js";
import { renderEventTimeline } from "./event_timeline.js";
import { renderHandOvers } from "./hand_over_panel.js";
import { t } from "./i18n.js";
import { formatTime } from "./time.js";
import { renderSnapshot, stateBadges } from "./case_snapshot.js";
import { renderMediation } from "./mediation_panel.js";
import { renderPeople } from "./case_people.js";
import { renderCommand } from "./command_panel.js";

const LEDGER_REDRAW_MS = 5000; // the "now" mark moves; seconds-long test policies need it
const LIVE_DEBOUNCE_MS = 300;

function card(testid, titleKey, ...body) {
  return h(
    "section",
    { class: "card", dataset: { testid } },
    h("h2", {}, t(titleKey)),
    h("div", { class: "card-body" }, ...body),
  );
}

export function casePageView(root, caseId) {
  const title = h("h1", { class: "case-title" }, t("loading"));
  const badges = h("span", { class: "case-badges" });
  const snapshotBox = h("div", {}, loading());
  const peopleBox = h("div", {});
  const ledgerBox = h("div", {}, loading());
  const timelineBox = h("div", {}, loading());
  const handOverBox = h("div", {});
  const commandBox = h("div", {}, loading());
  const contact = contactReveal(caseId);
  const mediationBox = h("div", { class: "mediation-box" });
  const actions = actionPanel(caseId, {
    onDone: (snapshot) => {
      show(snapshot);
      reloadTimeline();
    },
    onStale: () => schedule(),
  });
  const printed = h("p", { class: "print-only muted small" });
  const printButton = h(
    "button",
    {
      type: "button",
      class: "no-print print-button",
      dataset: { testid: "print-case" },
      onclick: () => {
        printed.textContent = t("printed_at", { at: formatTime(Date.now()) });
        window.print();
      },
    },
    t("print"),
  );
  const page = h(
    "div",
    { class: "case-page", dataset: { caseId } },
    h("p", { class: "no-print case-nav" }, link("/dashboard", t("back")), printButton),
    h("div", { class: "case-head" }, title, badges),
    printed,
    h(
      "div",
      { class: "case-grid" },
      card("case-snapshot-card", "snapshot", snapshotBox, peopleBox, mediationBox, contact.element),
      card("case-actions", "actions", actions.element),
    ),
    card("hand-overs", "hand_overs", handOverBox),
    card("case-command", "command_card", commandBox),
    card("clock-ledger", "clock_ledger", ledgerBox),
    card("event-timeline", "event_timeline", timelineBox),
    card("case-attachments", "attachments", attachmentsPanel(caseId).element),
  );
  replaceChildren(root, page);

  let current = null;
  let timer = null;

  function drawLedger() {
    if (!current) return;
    replaceChildren(ledgerBox, renderClockLedger(current.deadlines ?? [], { onRescale: drawLedger }));
  }

  function show(snapshot, { changedElsewhere = false } = {}) {
    current = snapshot;
    title.textContent = snapshot.title;
    replaceChildren(badges, stateBadges(snapshot));
    replaceChildren(snapshotBox, renderSnapshot(snapshot));
    const mediation = renderMediation(snapshot.mediation);
    replaceChildren(mediationBox, mediation ? [h("h3", {}, t("mediation")), mediation] : []);
    replaceChildren(peopleBox, renderPeople(snapshot));
    replaceChildren(commandBox, renderCommand(snapshot));
    contact.update(snapshot);
    replaceChildren(handOverBox, renderHandOvers(snapshot));
    handOverBox.closest("section").hidden = !snapshot.hand_overs?.length;
    drawLedger();
    actions.update(snapshot, { changedElsewhere });
    page.dataset.state = snapshot.state;
  }

  // The last event the timeline shows: the timeline is the projection's, which may trail the
  // snapshot (an action's own event, projected with the notice it issues, comes a moment later).
  let timelineSeq = 0;
  async function reloadTimeline() {
    try {
      const events = await get(`/cases/${encodeURIComponent(caseId)}/timeline`);
      timelineSeq = events.reduce((last, event) => Math.max(last, event.seq ?? 0), 0);
      replaceChildren(timelineBox, renderEventTimeline(events));
    } catch (error) {
      replaceChildren(timelineBox, h("p", { class: "error" }, `${t("load_failed")}: ${error.message}`));
    }
  }

  async function reload({ changedElsewhere = false } = {}) {
    try {
      show(await get(`/cases/${encodeURIComponent(caseId)}`), { changedElsewhere });
      await reloadTimeline();
    } catch (error) {
      title.textContent =
        error.status === 404 ? t("case_not_found") : `${t("load_failed")}: ${error.message}`;
      // nothing more will come: no box keeps saying "loading"
      for (const box of [snapshotBox, ledgerBox, timelineBox, commandBox]) replaceChildren(box, "—");
    }
  }

  let pendingChangedElsewhere = false;
  /** Live events gather for a moment, then one reload. */
  function schedule({ changedElsewhere = false } = {}) {
    pendingChangedElsewhere ||= changedElsewhere;
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      const options = { changedElsewhere: pendingChangedElsewhere };
      pendingChangedElsewhere = false;
      reload(options);
    }, LIVE_DEBOUNCE_MS);
  }

  const ledgerTimer = setInterval(drawLedger, LEDGER_REDRAW_MS);
  reload();

  const mine = (event) => event.case_id === caseId;
  return {
    onAlert: (alert) => mine(alert) && schedule(),
    // An event the snapshot already shows (its own action's) is not news, but the timeline
    // takes it once projected.
    onCase: (change) => {
      if (!mine(change)) return;
      if (change.seq > (current?.event_seq ?? 0)) schedule({ changedElsewhere: true });
      else if (change.seq > timelineSeq) reloadTimeline();
    },
    onUnitChange: () => {},
    dispose() {
      clearInterval(ledgerTimer);
      clearTimeout(timer);
    },
  };
}
