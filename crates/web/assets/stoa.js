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
      // The JSON API, as any Discourse client uses it: like is POST /post_actions, unlike is
      // DELETE /post_actions/{id}; the page's CSRF token goes in X-CSRF-Token.
      const postId = form.action.match(/\/posts\/(\d+)\/like/)[1];
      const like = likeField.value !== "false";
      const token = form.querySelector("input[name=authenticity_token]").value;
      const response = await fetch(
        like ? "/post_actions" : `/post_actions/${postId}?post_action_type_id=2`,
        {
          method: like ? "POST" : "DELETE",
          headers: { "Accept": "application/json", "X-CSRF-Token": token },
          body: like ? new URLSearchParams({ id: postId, post_action_type_id: "2" }) : undefined,
          credentials: "same-origin",
        });
      if (!response.ok) { form.submit(); return; }
      const post = await response.json();
      const likes = post.actions_summary.find((a) => a.id === 2) || { count: 0 };
      const liked = likes.acted === true;
      likeField.value = liked ? "false" : "true";
      button.classList.toggle("liked", liked);
      button.setAttribute("aria-pressed", String(liked));
      const article = form.closest(".post");
      const count = article.querySelector(".like-count");
      const n = likes.count;
      if (n === 0) {
        count.replaceChildren();
      } else {
        const link = document.createElement("a");
        link.href = `/posts/${article.dataset.postId}/likes`;
        link.dataset.expands = "likers";
        link.setAttribute("aria-expanded", "false");
        link.textContent = n === 1 ? "1 Like" : `${n} Likes`;
        count.replaceChildren(link);
      }
      article.querySelector(".expanded-likers")?.remove();
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

  // @mention completion in every Markdown textarea: type @ and a few letters, pick a member
  // with the arrow keys and Enter (or a click). Without the script, typing the name works.
  const mentionBefore = (text) => text.match(/(?:^|[^\w@.\-])@([\w.\-]{1,20})$/);
  const setupMentions = (area) => {
    const menu = document.createElement("ul");
    menu.className = "mention-menu";
    menu.id = `${area.id || "composer"}-mentions`;
    menu.setAttribute("role", "listbox");
    menu.setAttribute("aria-label", "Members");
    menu.hidden = true;
    area.insertAdjacentElement("afterend", menu);
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", menu.id);
    let users = [], active = 0, timer = null, asked = "";
    const close = () => { menu.hidden = true; users = []; area.removeAttribute("aria-activedescendant"); };
    const render = () => {
      menu.replaceChildren(...users.map((u, i) => {
        const li = document.createElement("li");
        li.id = `${menu.id}-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", String(i === active));
        li.dataset.username = u.username;
        li.append(`@${u.username}`);
        if (u.name) {
          const name = document.createElement("span");
          name.className = "name";
          name.textContent = u.name;
          li.append(name);
        }
        return li;
      }));
      menu.hidden = users.length === 0;
      menu.style.left = `${area.offsetLeft}px`;
      menu.style.top = `${area.offsetTop + area.offsetHeight}px`;
      if (users.length) area.setAttribute("aria-activedescendant", `${menu.id}-${active}`);
    };
    const choose = (username) => {
      const caret = area.selectionStart;
      const before = area.value.slice(0, caret);
      const m = mentionBefore(before);
      if (!m) return close();
      const start = caret - m[1].length;
      const insert = `${username} `;
      area.value = area.value.slice(0, start) + insert + area.value.slice(caret);
      area.selectionStart = area.selectionEnd = start + insert.length;
      close();
      area.focus();
    };
    area.addEventListener("input", () => {
      const m = mentionBefore(area.value.slice(0, area.selectionStart));
      clearTimeout(timer);
      if (!m) return close();
      const term = m[1];
      timer = setTimeout(async () => {
        asked = term;
        try {
          const res = await fetch(`/u/search/users.json?term=${encodeURIComponent(term)}`,
            { headers: { "Accept": "application/json" }, credentials: "same-origin" });
          if (!res.ok || asked !== term) return;
          users = (await res.json()).users || [];
          active = 0;
          render();
        } catch (_) { close(); }
      }, 120);
    });
    area.addEventListener("keydown", (event) => {
      if (menu.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : users.length - 1)) % users.length;
        render();
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(users[active].username);
      } else if (event.key === "Escape") {
        close();
      }
    });
    menu.addEventListener("mousedown", (event) => {
      const li = event.target.closest("li");
      if (li) { event.preventDefault(); choose(li.dataset.username); }
    });
    area.addEventListener("blur", () => setTimeout(close, 150));
  };
  document.querySelectorAll("textarea[name=raw]").forEach(setupMentions);

  // Post-number URLs without a fragment: bring that post into view.
  const match = window.location.pathname.match(/^\/t\/[^/]+\/\d+\/(\d+)$/);
  if (match && !window.location.hash) {
    const post = document.getElementById(`post_${match[1]}`);
    if (post) {
      post.classList.add("highlight");
      post.scrollIntoView({ block: "start" });
    }
  }

  // Similar topics under the new-topic title, as it is typed (GET /topics/similar_to.json).
  const similarTitle = document.querySelector("input[data-similar]");
  if (similarTitle) {
    const box = document.getElementById(similarTitle.dataset.similar);
    const list = box.querySelector("ul");
    let timer = null;
    let asked = "";
    const show = async () => {
      const title = similarTitle.value.trim();
      if (title === asked) return;
      asked = title;
      if (title.length < 8) { box.hidden = true; return; }
      try {
        const response = await fetch(`/topics/similar_to.json?title=${encodeURIComponent(title)}`,
          { headers: { "Accept": "application/json" }, credentials: "same-origin" });
        if (!response.ok || title !== asked) return;
        const data = await response.json();
        list.replaceChildren(...data.similar_topics.map((t) => {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = t.url;
          a.textContent = t.title;
          a.target = "_blank";
          a.rel = "noopener";
          const meta = document.createElement("span");
          meta.className = "topic-meta";
          meta.textContent = ` in ${t.category_name}`;
          li.append(a, meta);
          return li;
        }));
        box.hidden = data.similar_topics.length === 0;
      } catch (_) {
        // Suggestions are a nicety; the form works without them.
      }
    };
    similarTitle.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(show, 300);
    });
  }

  // "2 replies" and "2 Likes" lead to pages of their own; here they open under the post
  // instead, from the same page's HTML, and close on a second click.
  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a[data-expands]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    const post = link.closest(".post");
    if (!post) return;
    event.preventDefault();
    const kind = link.dataset.expands;
    const open = post.querySelector(`.expanded-${kind}`);
    if (open) {
      open.remove();
      link.setAttribute("aria-expanded", "false");
      return;
    }
    try {
      const res = await fetch(link.href, { credentials: "same-origin" });
      if (!res.ok) throw new Error(String(res.status));
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      const list = doc.querySelector(kind === "replies" ? ".reply-list" : ".likers");
      if (!list) throw new Error("nothing to show");
      const box = document.createElement("div");
      box.className = `expanded expanded-${kind}`;
      box.append(document.importNode(list, true));
      post.querySelector(".post-actions").after(box);
      link.setAttribute("aria-expanded", "true");
    } catch (_) {
      window.location.href = link.href;
    }
  });

  // Keyboard shortcuts, as Discourse's: j/k next and previous post, r reply (to the selected
  // post, or the topic), l like it, / search, ? the list. Never while typing in a field,
  // and never with Ctrl, Alt or Meta held (the browser's own shortcuts).
  const shortcuts = [
    ["j", "Next post"],
    ["k", "Previous post"],
    ["r", "Reply (to the selected post)"],
    ["l", "Like the selected post"],
    ["/", "Search"],
    ["?", "Show this list"],
  ];
  let selected = null;
  const posts = () => Array.from(document.querySelectorAll(".posts .post[data-post-number]"));
  const select = (post) => {
    if (!post) return;
    selected?.classList.remove("selected");
    selected = post;
    post.classList.add("selected");
    post.scrollIntoView({ block: "center" });
  };
  const move = (step) => {
    const all = posts();
    if (all.length === 0) return;
    let at = selected ? all.indexOf(selected) : -1;
    if (at < 0) {
      // From where the reader is: the first post below the top of the window.
      at = all.findIndex((p) => p.getBoundingClientRect().top >= 0) - (step > 0 ? 1 : 0);
    }
    select(all[Math.min(Math.max(at + step, 0), all.length - 1)]);
  };
  const help = () => {
    let dialog = document.getElementById("shortcuts");
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "shortcuts";
      dialog.setAttribute("aria-labelledby", "shortcuts-title");
      const title = document.createElement("h2");
      title.id = "shortcuts-title";
      title.textContent = "Keyboard shortcuts";
      const list = document.createElement("dl");
      for (const [key, what] of shortcuts) {
        const dt = document.createElement("dt");
        const kbd = document.createElement("kbd");
        kbd.textContent = key;
        dt.append(kbd);
        const dd = document.createElement("dd");
        dd.textContent = what;
        list.append(dt, dd);
      }
      const close = document.createElement("button");
      close.type = "button";
      close.textContent = "Close";
      close.addEventListener("click", () => dialog.close());
      dialog.append(title, list, close);
      document.body.append(dialog);
    }
    if (!dialog.open) dialog.showModal();
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
    const target = event.target;
    if (target instanceof HTMLElement
      && (target.isContentEditable || target.closest("input, textarea, select, [contenteditable]"))) return;
    if (document.querySelector("dialog[open]") && event.key !== "?") return;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "r": {
        const link = selected?.querySelector("a.reply") || document.querySelector("#reply-raw");
        if (!link) return;
        if (link instanceof HTMLAnchorElement) link.click(); else link.focus();
        break;
      }
      case "l": {
        const like = selected?.querySelector("button.like");
        if (!like) return;
        like.click();
        break;
      }
      case "/": {
        const box = document.querySelector(".header-search input[name=q]");
        if (!box) return;
        box.focus();
        break;
      }
      case "?": help(); break;
      default: return;
    }
    event.preventDefault();
  });

  // Relative times ("5m") stay true on a page left open: their `datetime` says when.
  const ago = (then) => {
    const secs = Math.max(0, (Date.now() - then.getTime()) / 1000);
    if (secs < 60) return "now";
    if (secs < 3600) return `${Math.floor(secs / 60)}m`;
    if (secs < 86400) return `${Math.floor(secs / 3600)}h`;
    if (secs < 2592000) return `${Math.floor(secs / 86400)}d`;
    return null; // a date: it does not change
  };
  setInterval(() => {
    for (const t of document.querySelectorAll("time.ago[datetime]")) {
      const text = ago(new Date(t.dateTime));
      if (text && t.textContent !== text) t.textContent = text;
    }
  }, 60000);

  // Reading, where the browser did not announce the page as a visit (the server records one
  // that it does): tell the server which posts the member really saw, as Discourse's client
  // does (POST /topics/timings). A post counts once at least half of it (or half the window,
  // for a long one) has been on screen for a second.
  const topicPosts = document.querySelector(".posts[data-topic-id][data-reading-recorded=false]");
  const memberToken = document.querySelector("form[action='/logout'] input[name=authenticity_token]");
  if (topicPosts && memberToken && "IntersectionObserver" in window) {
    const pending = new Set();
    const reported = new Set();
    const timers = new Map();
    let flushTimer = null;
    const flush = () => {
      flushTimer = null;
      if (pending.size === 0) return;
      const body = new URLSearchParams({ topic_id: topicPosts.dataset.topicId, topic_time: "1000" });
      for (const n of pending) body.append(`timings[${n}]`, "1000");
      pending.clear();
      fetch("/topics/timings", {
        method: "POST",
        headers: { "Accept": "application/json", "X-CSRF-Token": memberToken.value },
        body,
        credentials: "same-origin",
        keepalive: true,
      }).catch(() => {});
    };
    const seen = (n) => {
      if (reported.has(n)) return;
      reported.add(n);
      pending.add(n);
      if (!flushTimer) flushTimer = setTimeout(flush, 1000);
    };
    const observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const n = e.target.dataset.postNumber;
        const visible = e.isIntersecting && (e.intersectionRatio >= 0.5
          || e.intersectionRect.height >= window.innerHeight / 2);
        if (visible && document.visibilityState === "visible" && !timers.has(n)) {
          timers.set(n, setTimeout(() => { timers.delete(n); seen(n); observer.unobserve(e.target); }, 1000));
        } else if (!visible && timers.has(n)) {
          clearTimeout(timers.get(n));
          timers.delete(n);
        }
      }
    }, { threshold: [0, 0.25, 0.5, 0.75, 1] });
    for (const post of topicPosts.querySelectorAll(".post[data-post-number]")) observer.observe(post);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState !== "visible") {
        for (const t of timers.values()) clearTimeout(t);
        timers.clear();
        flush();
      } else {
        // Observing again reports what is on screen now.
        for (const post of topicPosts.querySelectorAll(".post[data-post-number]")) {
          if (!reported.has(post.dataset.postNumber)) { observer.unobserve(post); observer.observe(post); }
        }
      }
    });
  }
})();
