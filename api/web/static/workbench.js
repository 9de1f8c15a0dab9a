// The workbench works without script; this only adds search-as-you-type and auto-submit.
"use strict";

function debounce(fn, wait) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

function liveSearch(form) {
  const target = document.getElementById(form.dataset.live);
  const text = form.querySelector("textarea[name=text]");
  if (!target || !text) return;
  let latest = 0;
  const refresh = debounce(async () => {
    if (text.value.trim().length < 3) return;
    const params = new URLSearchParams(new FormData(form));
    const ticket = ++latest;
    const response = await fetch(`${form.action}?${params}&fragment=1`, {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    });
    if (!response.ok || ticket !== latest) return; // an older answer never replaces a newer one
    target.innerHTML = await response.text();
    history.replaceState(null, "", `${form.action}?${params}`);
  }, 450);
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
}

function autoSubmit(field) {
  field.addEventListener("change", () => field.form && field.form.requestSubmit());
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-live]").forEach(liveSearch);
  document.querySelectorAll("[data-autosubmit]").forEach(autoSubmit);
});
