// Loaded in the head, before the page is drawn: with scripting, the booking calendar shows its month grid
// (htmx fills in the chosen day); without, the plain list of days and times stays, and the grid is hidden.
"use strict";
document.documentElement.classList.add("has-js");
