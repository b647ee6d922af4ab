// The composer's error line (#composer-error): why what the official wrote or did did not go
// through. `kind` names what the error is about ("length"), so it can go when that is fixed.

import { els } from "./state.js";

export function showError(text, kind = "") {
  els.error.textContent = text;
  els.error.hidden = !text;
  els.error.dataset.kind = text ? kind : "";
}
