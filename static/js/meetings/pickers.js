// The meeting form's searchable pickers for the chair, the note taker, the participants and
// the agencies (select[data-picker], lib/picker.js). Each keeps its <select> in step, so the
// form posts as it would without scripts. Someone chosen in one role is not suggested in
// another that the meeting's rules exclude.

import { enhanceSelect } from "../lib/picker.js";

export function enhancePickers(root = document) {
  const selects = {};
  const chosenIn = (...names) => () => new Set(names.flatMap((name) =>
    [...(selects[name]?.selectedOptions || [])].map((option) => option.value).filter(Boolean)));
  const excludes = {
    id_required: chosenIn("id_optional"),
    id_optional: chosenIn("id_required", "id_chair"),
    id_chair: chosenIn("id_note_taker", "id_optional"),
    id_note_taker: chosenIn("id_chair"),
  };
  for (const select of root.querySelectorAll("select[data-picker]")) {
    selects[select.id] = select;
    enhanceSelect(select, { exclude: excludes[select.id] });
  }
}
