// The case list (/dashboard/cases): GET /api/v1/cases with its filters, a search, paging by
// cursor, and the export of what the list shows. The filters live in the page's address, so a
// KPI tile can open the list it counts and the back button returns to it; the search text does
// not (it may be a person's name, and addresses end up in history and logs).
import { download, get, vocab } from "./api.js";
import { h, replaceChildren, toast } from "./dom.js";
import { pick, t } from "./i18n.js";
import { caseTable } from "./case_lists.js";
import { startOfDay } from "./time.js";
import { selectedUnit, unitOptions } from "./units.js";

const PAGE_SIZE = 20;
// What the address may carry, as the API names it.
const FILTERS = ["state", "open", "level", "unit_id", "overdue", "at_risk", "category", "created_from", "created_to"];
const EXPORT_PATH = "/cases/export.xlsx";

function filtersFromAddress() {
  const query = new URLSearchParams(location.search);
  const filters = {};
  for (const name of FILTERS) if (query.get(name)) filters[name] = query.get(name);
  if (!filters.unit_id && selectedUnit()) filters.unit_id = selectedUnit();
  return filters;
}

function select(name, choices, value) {
  return h(
    "select",
    { name, id: `filter-${name}`, dataset: { testid: `filter-${name}` } },
    h("option", { value: "" }, t("any")),
    choices.map(([choice, label]) => h("option", { value: choice, selected: choice === value }, label)),
  );
}

function labelled(key, control) {
  return h("label", { class: "filter", for: control.id }, h("span", {}, t(key)), control);
}

function checkbox(name, key, checked) {
  return h(
    "label",
    { class: "filter filter-check" },
    h("input", { type: "checkbox", name, checked, dataset: { testid: `filter-${name}` } }),
    t(key),
  );
}

/** The API's date-time filters take an instant; the form takes a Shanghai day. */
const dayOf = (instant) => (instant ? instant.slice(0, 10) : "");
function nextDay(date) {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}
function previousDay(date) {
  const prev = new Date(`${date}T00:00:00Z`);
  prev.setUTCDate(prev.getUTCDate() - 1);
  return prev.toISOString().slice(0, 10);
}

function filterForm(filters, q, onApply) {
  const v = vocab();
  const unit = h("select", { name: "unit_id", id: "filter-unit_id", dataset: { testid: "filter-unit_id" } });
  unitOptions(unit, { value: filters.unit_id, vocabulary: v });
  const form = h(
    "form",
    { class: "card list-filters", dataset: { testid: "list-filters" } },
    h(
      "div",
      { class: "search-row" },
      h("input", {
        type: "search",
        name: "q",
        value: q,
        maxlength: 100,
        placeholder: t("search_placeholder"),
        "aria-label": t("search"),
        dataset: { testid: "list-search" },
      }),
      h("button", { type: "submit", class: "primary" }, t("search")),
    ),
    h(
      "div",
      { class: "filter-grid" },
      labelled("filter_state", select("state", Object.entries(v.states).map(([s, pair]) => [s, pick(pair)]), filters.state)),
      labelled("filter_level", select("level", ["village", "town", "county"].map((l) => [l, pick(v.levels[l])]), filters.level)),
      labelled("filter_unit", unit),
      labelled(
        "filter_category",
        h("input", {
          type: "text",
          name: "category",
          id: "filter-category",
          value: filters.category ?? "",
          maxlength: 100,
          dataset: { testid: "filter-category" },
        }),
      ),
      labelled("filter_from", h("input", {
          type: "date",
          name: "created_from",
          id: "filter-created_from",
          value: dayOf(filters.created_from),
          dataset: { testid: "filter-created_from" },
        })),
      labelled(
        "filter_to",
        h("input", {
          type: "date",
          name: "created_to",
          id: "filter-created_to",
          dataset: { testid: "filter-created_to" },
          value: filters.created_to ? previousDay(dayOf(filters.created_to)) : "",
        }),
      ),
      checkbox("open", "filter_open", filters.open === "true"),
      checkbox("overdue", "filter_overdue", filters.overdue === "true"),
      checkbox("at_risk", "filter_at_risk", filters.at_risk === "true"),
    ),
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit" }, t("apply")),
      h("button", { type: "reset", dataset: { testid: "list-reset" } }, t("reset")),
    ),
  );
  const read = () => {
    const data = new FormData(form);
    const chosen = {};
    for (const name of ["state", "level", "unit_id", "category"]) {
      const value = String(data.get(name) ?? "").trim();
      if (value) chosen[name] = value;
    }
    // a day typed in the form means the whole day in Shanghai: [from 00:00, the next day 00:00)
    if (data.get("created_from")) chosen.created_from = startOfDay(data.get("created_from"));
    if (data.get("created_to")) chosen.created_to = startOfDay(nextDay(data.get("created_to")));
    for (const name of ["open", "overdue", "at_risk"]) if (data.get(name)) chosen[name] = "true";
    return { filters: chosen, q: String(data.get("q") ?? "").trim() };
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const { filters: chosen, q: text } = read();
    onApply(chosen, text);
  });
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    onApply({ unit_id: selectedUnit() }, "");
  });
  return form;
}

export function caseListPageView(root) {
  let filters = filtersFromAddress();
  let q = "";
  let cursors = [null]; // the cursor of each page shown so far: back is the one before
  const results = h("div", { class: "list-results", dataset: { testid: "case-list" } });
  const pager = h("div", { class: "pager" });
  const exportButton = h(
    "button",
    { type: "button", class: "export-button", dataset: { testid: "export-xlsx" } },
    t("export_xlsx"),
  );

  function query() {
    return { ...filters, q };
  }

  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    exportButton.textContent = t("exporting");
    try {
      await download(EXPORT_PATH, query(), "cases.xlsx");
    } catch (error) {
      toast(`${t("failed")}: ${error.message}`, { kind: "error" });
    } finally {
      exportButton.disabled = false;
      exportButton.textContent = t("export_xlsx");
    }
  });
  // The export takes the list's query: its address says exactly which rows it holds.
  const exportHref = () => `/api/v1${EXPORT_PATH}?${new URLSearchParams(query()).toString()}`;

  function keepInAddress() {
    const shown = new URLSearchParams(filters).toString();
    history.replaceState(null, "", `/dashboard/cases${shown ? `?${shown}` : ""}`);
  }

  async function load() {
    replaceChildren(results, h("p", { class: "muted" }, t("loading")));
    exportButton.dataset.href = exportHref();
    const cursor = cursors[cursors.length - 1];
    try {
      const page = await get("/cases", { ...query(), limit: PAGE_SIZE, cursor });
      replaceChildren(
        results,
        page.items.length ? caseTable(page.items) : h("p", { class: "muted" }, t("none")),
      );
      results.dataset.count = String(page.items.length);
      showPager(page.next_cursor);
    } catch (error) {
      replaceChildren(results, h("p", { class: "error", role: "alert" }, `${t("load_failed")}: ${error.message}`));
      showPager(null);
    }
  }

  function showPager(nextCursor) {
    const number = cursors.length;
    replaceChildren(
      pager,
      h(
        "button",
        {
          type: "button",
          disabled: number === 1,
          dataset: { testid: "page-previous" },
          onclick: () => {
            cursors = cursors.slice(0, -1);
            load();
          },
        },
        t("previous_page"),
      ),
      h("span", { class: "muted", dataset: { testid: "page-number" } }, t("page_n", { n: number })),
      h(
        "button",
        {
          type: "button",
          disabled: !nextCursor,
          dataset: { testid: "page-next" },
          onclick: () => {
            cursors = [...cursors, nextCursor];
            load();
          },
        },
        t("next_page"),
      ),
    );
  }

  const formBox = h("div", {});

  function apply(chosen, text) {
    filters = chosen;
    q = text;
    cursors = [null];
    replaceChildren(formBox, filterForm(filters, q, apply)); // the form shows what is applied
    keepInAddress();
    load();
  }

  replaceChildren(
    root,
    h(
      "div",
      { class: "case-list-page" },
      h("div", { class: "page-bar" }, h("h1", {}, t("list_title")), exportButton),
      formBox,
      h("section", { class: "card" }, results, pager),
    ),
  );
  apply(filters, q);

  return {
    onAlert: () => {},
    onCase: () => {},
    onUnitChange: () => apply({ ...filters, unit_id: selectedUnit() }, q),
    dispose() {},
  };
}
