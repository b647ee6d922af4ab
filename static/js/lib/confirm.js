// Forms that ask before they go: <form data-confirm="Cancel this meeting for everyone?">
// submits only when the official confirms (the question is written, translated, on the form).

export function confirmForms(root = document) {
  for (const form of root.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}
