// The unit tree within the caller's scope, and the selector at the top of the page.
import { h, replaceChildren } from "./dom.js";
import { get } from "./api.js";
import { pick } from "./i18n.js";

const SELECTED_KEY = "petitionflow.unit";
let units = [];
let byId = new Map();
let selected = null;
const listeners = [];

export async function loadUnits(preloaded) {
  units = preloaded ?? (await get("/units"));
  byId = new Map(units.map((unit) => [unit.id, unit]));
  const remembered = localStorage.getItem(SELECTED_KEY);
  selected = byId.has(remembered) ? remembered : roots()[0]?.id ?? null;
  return units;
}

/** Units whose parent is outside the scope: the tops of what the caller sees. */
function roots() {
  return units.filter((unit) => !unit.parent || !byId.has(unit.parent));
}

function childrenOf(id) {
  return units.filter((unit) => unit.parent === id);
}

/** Depth-first, parents before children, with each unit's depth for indenting. */
export function treeOrder() {
  const ordered = [];
  const visit = (unit, depth) => {
    ordered.push({ unit, depth });
    for (const child of childrenOf(unit.id)) visit(child, depth + 1);
  };
  for (const root of roots()) visit(root, 0);
  return ordered;
}

export function unitName(id) {
  return byId.get(id)?.name ?? id;
}

export function selectedUnit() {
  return selected;
}

export function onUnitChange(callback) {
  listeners.push(callback);
}

function choose(id) {
  selected = id;
  localStorage.setItem(SELECTED_KEY, id);
  for (const callback of listeners) callback(id);
}

/** A department says so (职能部门); an area unit says its level. */
function kindOrLevel(unit, vocabulary) {
  if (unit.kind === "department") return pick(vocabulary.unit_kinds?.department, "department");
  return pick(vocabulary.levels[unit.level]);
}

/** Fills a <select> with the tree, indented by depth (full-width spaces keep CJK alignment). */
export function unitOptions(select, { value, vocabulary }) {
  replaceChildren(
    select,
    treeOrder().map(({ unit, depth }) =>
      h(
        "option",
        { value: unit.id, selected: unit.id === value },
        `${"　".repeat(depth)}${unit.name}（${kindOrLevel(unit, vocabulary)}）`,
      ),
    ),
  );
}

export function mountUnitSelector(select, vocabulary) {
  unitOptions(select, { value: selected, vocabulary });
  select.onchange = () => choose(select.value);
}
