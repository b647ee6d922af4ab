// The two dialogs that start a room: a direct conversation with one or more officials
// (#direct-dialog, for everyone) and a coordination room (#room-dialog, for those who may
// organise). Officials are found through the API (lib/picker.js); oneself is never offered.

import { api, errorText } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { createPicker } from "../lib/picker.js";
import { config } from "./state.js";

async function findOfficials(q) {
  if (!q) return [];
  const page = await api(`/api/v1/officials?q=${encodeURIComponent(q)}&limit=30`);
  return page.items.filter((o) => o.username !== config.username).map((o) => ({
    value: o.username,
    name: o.name,
    detail: [`@${o.username}`, o.position_title, o.agency && o.agency.name].filter(Boolean).join(" · "),
  }));
}

function pickerIn(container, id) {
  const picker = createPicker({ id, search: findOfficials, multiple: true });
  container.replaceChildren(picker.element);
  return picker;
}

function showProblem(box, text) {
  box.hidden = false;
  box.textContent = text;
}

// A dialog opened by its button, whose form (method=dialog) creates the room and opens it;
// Cancel closes it, and closing empties its picker.
function roomDialog({ name, create }) {
  const dialog = $(`#${name}-dialog`);
  if (!dialog) return;
  const picker = pickerIn($(`#${name}-picker`), `${name}-picker`);
  const box = $(`#${name}-error`);
  $(`#open-${name}`).addEventListener("click", () => {
    box.hidden = true;
    dialog.showModal();
  });
  dialog.addEventListener("close", () => picker.clear());
  $(`#${name}-form`).addEventListener("submit", async (event) => {
    if (event.submitter && event.submitter.value === "cancel") return;
    event.preventDefault();
    try {
      const room = await create(picker, box);
      if (room) location.assign(`/messages/${room.id}`);
    } catch (error) {
      showProblem(box, errorText(error));
    }
  });
}

roomDialog({
  name: "direct",
  create(picker, box) {
    const usernames = picker.values();
    if (!usernames.length) {
      showProblem(box, t("messages.chooseSomeone"));
      picker.input.focus();
      return null;
    }
    return api("/api/v1/direct", { method: "POST", json: { usernames } });
  },
});

roomDialog({
  name: "room",
  create: (picker) => api("/api/v1/rooms", { method: "POST", json: {
    name: $("#room-name").value, classification: $("#room-classification").value,
    members: picker.values(),
  } }),
});
