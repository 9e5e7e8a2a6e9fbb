"""discourse-reader (PyPI) against a live Stoa, unchanged client code: an anonymous reader
whose every answer is checked by the library's strict pydantic models.

It needs a topic longer than one chunk (20 posts) so that the library fetches the rest through
`/t/{id}/posts.json?post_ids[]=`; the set-up writes one with pydiscourse, then every read is
discourse-reader's own.

Usage: STOA_URL=... STOA_API_KEY=... python reader_session.py
"""

import os
import sys
import uuid

import requests
from discourse_reader import DiscourseClient
from pydiscourse import DiscourseClient as Writer

URL = os.environ["STOA_URL"]
KEY = os.environ["STOA_API_KEY"]
REPLIES = 45

calls = 0
_send = requests.Session.send


def counting_send(self, *args, **kwargs):
    global calls
    calls += 1
    return _send(self, *args, **kwargs)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"  ok  {what}")


def setup():
    tag = uuid.uuid4().hex[:8]
    lena, keiko = (Writer(URL, api_username=u, api_key=KEY) for u in ("lena", "keiko"))
    history = next(c for c in lena.categories() if c["slug"] == "history")
    first = lena.create_post(
        f"A long thread about the Matsuoka visit ({tag}), to read in chunks.",
        category_id=history["id"],
        title=f"Matsuoka's journey to Moscow and Berlin, 1941 {tag}",
    )
    for n in range(REPLIES):
        who = keiko if n % 2 == 0 else lena
        who.create_post(f"Reply {n + 2} on the Matsuoka visit ({tag}).", topic_id=first["topic_id"])
    return first["topic_id"], tag


def main():
    topic_id, tag = setup()
    requests.Session.send = counting_send
    reader = DiscourseClient(URL, requests_per_second=None)

    print("site")
    about = reader.about()
    check(about.title != "" and about.stats.topics_count >= 2, "about (strict model)")
    stats = reader.statistics()
    check(stats.posts_count >= REPLIES + 1 and stats.users_count >= 5, "site statistics (strict model)")
    cats = reader.categories()
    check(any(c.slug == "history" for c in cats), "categories (strict model)")
    check(all(c.slug != "staff" for c in cats), "the staff-only category is not shown to a visitor")

    print("lists")
    latest = list(reader.topics.latest(limit=100))
    check(latest[0].id == topic_id, "latest topics start with the long thread")
    history = next(c for c in cats if c.slug == "history")
    in_history = list(reader.topics.by_category(history))
    check(any(t.id == topic_id for t in in_history), "topics by category")

    print("a topic in chunks")
    topic = reader.topics.get(topic_id)
    posts = list(topic.posts.all())
    check(len(posts) == REPLIES + 1, f"all {REPLIES + 1} posts, the later ones through posts.json")
    check([p.post_number for p in posts] == list(range(1, REPLIES + 2)), "in order, numbered from 1")
    check(topic.opening_post.username == "lena", "the opening post")
    one = reader.posts.get(posts[-1].id)
    check(one.post_number == REPLIES + 1, "a single post (strict model)")

    print("demo thread, user, search")
    demo = next(t for t in latest if t.title.startswith("Why did the USSR trust"))
    demo_posts = list(reader.topics.get(demo.id).posts.all())
    check("Izvestia" in demo_posts[0].cooked and "<blockquote>" in demo_posts[0].cooked, "the demo thread's quoted newspaper")
    check(any(p.actions_summary for p in demo_posts), "actions_summary present")
    user = reader.user("lena")
    check(user.username == "lena" and user.id > 0, "user (strict model)")
    hits = list(reader.search(f"Matsuoka {tag}", limit=100))
    check(len(hits) >= 1 and hits[0].topic_id == topic_id, "search (strict model), unencoded query")

    print(f"discourse-reader session passed: {calls} HTTP calls")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e} (after {calls} calls)", file=sys.stderr)
        sys.exit(1)
