// The meeting page's join button while the video room is not open yet: it becomes the link
// to Rakor's join page when the room opens, without a reload. The join page checks the
// window again on the server, so a fast clock here only shows "come back at …" there.

const DAY_MS = 24 * 60 * 60 * 1000;

export function openJoinButton(root) {
  const button = root.querySelector("button[data-join-opens]");
  if (!button) return;
  const wait = Date.parse(button.dataset.joinOpens) - Date.now();
  // Beyond a day, the page is reloaded before then; setTimeout also overflows past ~24 days.
  if (Number.isNaN(wait) || wait > DAY_MS) return;
  setTimeout(() => {
    const link = document.createElement("a");
    link.className = button.className;
    link.href = button.dataset.joinUrl;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = button.textContent;
    button.replaceWith(link);
    root.getElementById("join-closed")?.remove();
  }, Math.max(0, wait));
}
