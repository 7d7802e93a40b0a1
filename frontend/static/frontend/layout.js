// Behaviour shared by every page: theme toggle, the user menu, colour swatches and confirmations.

import { $, $$, safeColour } from "./dom.js";
import { wireThemeToggle } from "./theme.js";

function wireUserMenu(menu) {
  const close = () => {
    if (menu.open) menu.open = false;
  };
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      close();
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!menu.contains(event.target)) close();
  });
  menu.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !menu.contains(event.relatedTarget)) close();
  });
}

// Colours come from the server as data attributes: templates never write user data into CSS.
function paintSwatches(root = document) {
  for (const element of $$("[data-color]", root)) element.style.backgroundColor = safeColour(element.dataset.color);
}

// Buttons with data-confirm ask first (a plain form stays a plain form: no inline handlers).
function wireConfirmations() {
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
}

const toggle = $("#theme-toggle");
if (toggle) wireThemeToggle(toggle);
const menu = $(".user-menu");
if (menu) wireUserMenu(menu);
paintSwatches();
wireConfirmations();
