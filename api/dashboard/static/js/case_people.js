// The people and the matter beyond this case: every petitioner (masked as the API sends them;
// 集体访: the representatives marked, the headcount), and the cases linked to it, merged into it,
// or the one it was merged into — each a link to that case's page.
import { get, vocab } from "./api.js";
import { h, link, replaceChildren } from "./dom.js";
import { pick, t } from "./i18n.js";
import { caseHref } from "./case_lists.js";

/** The person's history (GET /petitioners/{ref}: their cases in scope, on the access log). */
function historyButton(ref) {
  const box = h("div", { class: "petitioner-history", dataset: { testid: "petitioner-history" } });
  const button = h(
    "button",
    {
      type: "button",
      class: "small-button",
      dataset: { testid: "petitioner-history-button" },
      onclick: async () => {
        button.disabled = true;
        try {
          const history = await get(`/petitioners/${encodeURIComponent(ref)}`);
          replaceChildren(
            box,
            h(
              "ul",
              {},
              history.cases.map((c) =>
                h(
                  "li",
                  {},
                  link(caseHref(c.case_id), c.title),
                  ` · ${pick(vocab().states[c.state], c.state)}`,
                  ` · ${t("came_times", { count: c.visits.length })}`,
                ),
              ),
            ),
          );
        } catch (error) {
          replaceChildren(box, h("p", { class: "error" }, `${t("load_failed")}: ${error.message}`));
        } finally {
          button.disabled = false;
        }
      },
    },
    t("petitioner_history"),
  );
  return [button, box];
}

function petitioners(snapshot) {
  const people = snapshot.petitioners ?? [];
  if (!people.length) return null;
  return h(
    "div",
    { class: "case-people", dataset: { testid: "case-petitioners" } },
    h("h3", {}, t("petitioners"), people.length > 1 || snapshot.headcount > 1
      ? ` · ${t("headcount", { count: snapshot.headcount })}` : ""),
    h(
      "ul",
      {},
      people.map((p) =>
        h(
          "li",
          { dataset: { testid: "petitioner-entry" } },
          [p.name, p.id_number, p.phone].filter(Boolean).join(" · ") || "—",
          p.representative ? h("span", { class: "badge badge-representative" }, t("representative")) : null,
          (p.visits ?? []).length > 1 ? h("span", { class: "muted small" }, ` ${t("came_times", { count: p.visits.length })}`) : null,
          p.ref ? historyButton(p.ref) : null,
        ),
      ),
    ),
  );
}

function caseLinks(titleKey, testid, ids) {
  if (!ids.length) return null;
  return h(
    "div",
    { class: "case-links", dataset: { testid } },
    h("h3", {}, t(titleKey)),
    h("ul", {}, ids.map((id) => h("li", {}, link(caseHref(id), id)))),
  );
}

export function renderPeople(snapshot) {
  return h(
    "div",
    { class: "case-people-and-links" },
    petitioners(snapshot),
    caseLinks("linked_cases", "linked-cases", snapshot.linked_cases ?? []),
    caseLinks("merged_cases", "merged-cases", snapshot.merged_cases ?? []),
    caseLinks("merged_into", "merged-into", snapshot.merged_into ? [snapshot.merged_into] : []),
  );
}
