// Stoa's script: enhancements only. Every action here also works as a plain form or link.
(() => {
  "use strict";

  // Like and unlike without reloading the page.
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("like-form")) return;
    event.preventDefault();
    const button = form.querySelector("button");
    const likeField = form.querySelector("input[name=like]");
    button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        headers: { "Accept": "application/json" },
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
      });
      if (!response.ok) { form.submit(); return; }
      const data = await response.json();
      const liked = data.liked;
      likeField.value = liked ? "false" : "true";
      button.textContent = liked ? "Unlike" : "Like";
      button.classList.toggle("liked", liked);
      button.setAttribute("aria-pressed", String(liked));
      const count = form.closest(".post").querySelector(".like-count");
      const n = data.like_count;
      count.textContent = n === 0 ? "" : n === 1 ? "1 Like" : `${n} Likes`;
    } catch (_) {
      form.submit();
    } finally {
      button.disabled = false;
    }
  });

  // Quote: when text inside the post is selected, quote just that passage. The selection is
  // read on pointerdown, because pressing the link can collapse it before the click.
  let pendingSelection = null;
  const selectionIn = (post) => {
    const selection = window.getSelection();
    if (!selection || !selection.rangeCount) return "";
    const text = selection.toString().trim();
    return text && post.contains(selection.getRangeAt(0).commonAncestorContainer) ? text : "";
  };
  document.addEventListener("pointerdown", (event) => {
    const link = event.target.closest && event.target.closest("a.quote");
    pendingSelection = link ? selectionIn(link.closest(".post")) : null;
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.quote");
    if (!link) return;
    const text = pendingSelection || selectionIn(link.closest(".post"));
    pendingSelection = null;
    if (!text) return;
    event.preventDefault();
    const url = new URL(link.href, window.location.href);
    url.searchParams.set("selection", text.slice(0, 10000));
    window.location.href = url.toString();
  });

  // Post-number URLs without a fragment: bring that post into view.
  const match = window.location.pathname.match(/^\/t\/[^/]+\/\d+\/(\d+)$/);
  if (match && !window.location.hash) {
    const post = document.getElementById(`post_${match[1]}`);
    if (post) {
      post.classList.add("highlight");
      post.scrollIntoView({ block: "start" });
    }
  }
})();
