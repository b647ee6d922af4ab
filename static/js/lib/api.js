// Calls to Rakor's JSON API (/api/v1/) from a signed-in page: the session cookie and the
// CSRF token go with every request; a refusal throws an Error whose message is the server's
// `message` and whose `body` is the whole {code, message, fields} error.

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function api(path, options = {}) {
  const headers = { "X-CSRFToken": csrfToken(), ...(options.headers || {}) };
  const init = { credentials: "same-origin", ...options, headers };
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
    delete init.json;
  }
  const response = await fetch(path, init);
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error((body && body.message) || response.statusText);
    error.body = body;
    error.status = response.status;
    throw error;
  }
  return body;
}

// The words of a refusal, with the problems of each field after the message.
export function errorText(error) {
  const fields = error.body && error.body.fields ? Object.values(error.body.fields).flat() : [];
  return fields.length ? `${error.message} ${fields.join(" ")}` : error.message;
}
