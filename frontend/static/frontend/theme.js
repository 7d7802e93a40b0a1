// Light/dark theme: follows the system until the user picks one with the toggle; the pick is kept in
// localStorage. Picking the system's own theme forgets the pick, so the page follows the system again.

const STORAGE_KEY = "tandem-theme";
const darkQuery = window.matchMedia("(prefers-color-scheme: dark)");

function systemTheme() {
  return darkQuery.matches ? "dark" : "light";
}

export function currentTheme() {
  const chosen = document.documentElement.getAttribute("data-theme");
  return chosen === "light" || chosen === "dark" ? chosen : systemTheme();
}

export function setTheme(theme) {
  const followSystem = theme === systemTheme();
  try {
    if (followSystem) window.localStorage.removeItem(STORAGE_KEY);
    else window.localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // Without storage the choice lasts for this page only.
  }
  if (followSystem) document.documentElement.removeAttribute("data-theme");
  else document.documentElement.setAttribute("data-theme", theme);
}

export function wireThemeToggle(button) {
  const label = button.querySelector(".theme-label");
  const render = () => {
    const next = currentTheme() === "dark" ? "light" : "dark";
    const text = `Switch to ${next} theme`;
    label.textContent = text;
    button.title = text;
    button.dataset.theme = currentTheme();
  };
  button.addEventListener("click", () => {
    setTheme(currentTheme() === "dark" ? "light" : "dark");
    render();
  });
  darkQuery.addEventListener("change", render);
  render();
}
