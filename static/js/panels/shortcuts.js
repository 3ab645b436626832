// The page's keyboard shortcuts: one table answers the keys and is what the dialog `?` opens
// lists, so the list cannot name a key that does nothing. An entry is {label, does, key, shift,
// scope, run}: `key` is KeyboardEvent.key ("ArrowRight", " ", "?"), `shift` whether Shift must
// be down (undefined: either), `run(event)` does it (returning false when there was nothing to
// do, so the key keeps its usual meaning). An entry without `key` is handled by its own widget
// (the Lessons menu) and only listed. `scope` says where the key is not a shortcut:
//   "player": while a control has the focus (its own Space and arrows win);
//   "page":   while typing (text fields, selects);
//   "always": anywhere but an open menu or dialog (Escape).

import { $, el } from "../dom.js";

const CONTROLS = "input, select, textarea, button, summary, a, [role=menu], [contenteditable]";
const TYPING = "input:not([type=range]):not([type=checkbox]):not([type=radio]):not([type=color]), select, textarea, [contenteditable]";
const OWN_KEYS = "[role=menu], dialog";

/** Listed only: the Lessons menu answers these itself (lessons.js). */
const MENU_KEYS = [
  { label: "↓", does: "On the Lessons button: open the menu" },
  { label: "↑ ↓", does: "The previous or next lesson" },
  { label: "Home End", does: "The first or last lesson" },
  { label: "Esc", does: "Close the menu" },
];

function applies(entry, event) {
  // A letter is the same key with Shift or Caps Lock.
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (entry.key !== key) return false;
  if (entry.shift !== undefined && entry.shift !== event.shiftKey) return false;
  const target = event.target instanceof Element ? event.target : document.body;
  const excluded = { player: CONTROLS, page: TYPING, always: OWN_KEYS }[entry.scope];
  return !target.closest(excluded);
}

function renderList(groups) {
  return groups.map(({ title, entries }) => el("section", { class: "shortcut-group" }, [
    el("h3", { text: title }),
    el("dl", {}, entries.flatMap((entry) => [
      el("dt", {}, [el("kbd", { text: entry.label })]),
      el("dd", { text: entry.does }),
    ])),
  ]));
}

/**
 * Listens for every entry of `groups` ([{title, entries}]) and lists them in the shortcuts
 * dialog, with its own keys and the Lessons menu's. Returns {open, close} for the dialog.
 */
export function wireShortcuts(groups) {
  const dialog = $("shortcuts-dialog");
  let opener = null;
  const own = [
    { label: "?", does: "Show this list", key: "?", scope: "page", run: () => open() },
    { label: "Esc", does: "Close this list" },
  ];
  const listed = [...groups, { title: "This list", entries: own }, { title: "In the Lessons menu", entries: MENU_KEYS }];

  function open() {
    if (dialog.open) return;
    opener = document.activeElement;
    dialog.showModal();
    $("shortcuts-close").focus();
  }
  function close() {
    if (dialog.open) dialog.close();
  }
  // Escape (the dialog's cancel), its Close button or a click on the backdrop: focus returns.
  dialog.addEventListener("close", () => opener?.focus?.({ preventScroll: true }));
  dialog.addEventListener("click", (event) => event.target === dialog && close());
  $("shortcuts-close").addEventListener("click", close);
  $("shortcuts-button").addEventListener("click", open);

  const all = listed.flatMap((group) => group.entries);
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || dialog.open) return;
    const entry = all.find((e) => e.run && applies(e, event));
    if (entry && entry.run(event) !== false) event.preventDefault();
  });
  $("shortcuts-list").replaceChildren(...renderList(listed));
  return { open, close };
}
