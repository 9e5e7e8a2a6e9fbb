"""A realistic session of pydiscourse (PyPI) against a live Stoa, unchanged client code.

Two members and an admin act through one all-users API key, as a bot or a migration tool
would: list and create categories, start a topic with a block quote, a link and a [quote],
read it back, reply to post 1, like as the other member, edit, list, search, read users and
notifications, delete, and the error cases. Every call goes through pydiscourse's own
methods (or its transport, `_get`/`_post`/`_delete`, where 1.7.0 has no public method).

Usage: STOA_URL=http://127.0.0.1:8080 STOA_API_KEY=... python pydiscourse_session.py
"""

import os
import sys
import time
import uuid

import requests
from pydiscourse import DiscourseClient
from pydiscourse.exceptions import DiscourseClientError

URL = os.environ["STOA_URL"]
KEY = os.environ["STOA_API_KEY"]

calls = 0
_request = requests.request


def counting_request(*args, **kwargs):
    global calls
    calls += 1
    return _request(*args, **kwargs)


requests.request = counting_request


def client(username, key=KEY):
    return DiscourseClient(URL, api_username=username, api_key=key)


def expect_error(status, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except DiscourseClientError as e:
        got = e.response.status_code
        assert got == status, f"expected {status}, got {got}: {e}"
        return e
    raise AssertionError(f"expected HTTP {status}, the call succeeded")


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"  ok  {what}")


def poll(fn, what, tries=20):
    for _ in range(tries):
        value = fn()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def main():
    admin, lena, tomas = client("admin"), client("lena"), client("tomas")
    tag = uuid.uuid4().hex[:8]

    print("categories")
    cats = admin.categories()
    check(any(c["slug"] == "history" for c in cats), "the demo's History category is listed")
    made = admin.create_category(f"Archive {tag}", "A4663C", text_color="FFFFFF")
    cat = made["category"]
    check(cat["name"] == f"Archive {tag}" and cat["color"] == "A4663C", "create_category echoes name and colour")
    check(any(c["id"] == cat["id"] for c in admin.categories()), "the new category is listed")
    check(admin.category(cat["id"])["category"]["slug"] == cat["slug"], "category(id)")
    admin.notifications(cat["id"], notification_level=3)
    check(True, "category notification level set")

    print("a topic with a block quote, a link and a [quote]")
    raw = (
        f"Why did Moscow rely on the pact? ({tag})\n\n"
        "> The Soviet-Japanese neutrality pact was signed yesterday in Moscow.\n"
        "> — Izvestia, 14 April 1941\n\n"
        "More in [this overview](https://en.wikipedia.org/wiki/Soviet%E2%80%93Japanese_Neutrality_Pact) "
        "and **the treaty text**.\n\n"
        '[quote="lena, post:1, topic:2"]\nAn earlier thought of mine.\n[/quote]\n'
    )
    title = f"Did the USSR trust the 1941 pact with Japan? {tag}"
    first = lena.create_post(raw, category_id=cat["id"], title=title)
    topic_id = first["topic_id"]
    check(first["post_number"] == 1 and first["username"] == "lena", "new topic: post 1 by lena")
    check(first["topic_slug"].startswith("did-the-ussr-trust"), "topic_slug is the title's slug")

    read = lena.post_by_id(first["id"])
    check(read["raw"] == raw, "raw comes back exactly as sent")
    cooked = read["cooked"]
    check("<blockquote>" in cooked, "cooked has <blockquote>")
    check('<a href="https://en.wikipedia.org/wiki/Soviet%E2%80%93Japanese_Neutrality_Pact"' in cooked, "cooked links out")
    check('rel="noopener nofollow ugc"' in cooked, "links carry rel=noopener nofollow ugc")
    check("<strong>the treaty text</strong>" in cooked, "cooked has <strong>")
    check('<aside class="quote no-group"' in cooked and 'data-username="lena"' in cooked, "[quote] cooks to aside.quote")
    check("[quote" not in cooked, "no literal [quote] remains")

    print("reply, like, edit")
    reply = tomas.create_post(
        f"Because Japan was turning south ({tag}).", topic_id=topic_id, reply_to_post_number=1
    )
    check(reply["post_number"] == 2 and reply["reply_to_post_number"] == 1, "reply answers post 1")
    liked = lena._post("/post_actions", id=reply["id"], post_action_type_id=2)
    likes = next(a for a in liked["actions_summary"] if a["id"] == 2)
    check(likes["count"] == 1 and likes.get("acted") is True, "like counted and acted")
    e = expect_error(403, tomas._post, "/post_actions", id=reply["id"], post_action_type_id=2)
    check("own" in str(e).lower(), "one cannot like one's own post (403)")
    who = admin.post_action_users(reply["id"], post_action_type_id=2)
    check([u["username"] for u in who["post_action_users"]] == ["lena"], "post_action_users lists lena")
    edited = tomas.update_post(reply["id"], f"Because Japan was turning south, to Indochina ({tag}).", "clarity")
    check(edited["post"]["raw"].endswith(f"Indochina ({tag})."), "update_post answers the new raw")
    check(edited["post"]["version"] == 2, "the edit raised the version")

    print("reading back")
    topic = lena.topic(first["topic_slug"], topic_id)
    check(topic["post_stream"]["stream"] == [first["id"], reply["id"]], "post_stream.stream lists both posts")
    check(topic["details"]["created_by"]["username"] == "lena", "details.created_by")
    posts = lena.posts(topic_id, post_ids=[reply["id"]])
    check([p["id"] for p in posts["post_stream"]["posts"]] == [reply["id"]], "posts(post_ids[]) fetches by id")
    by_number = lena.post_by_number(topic_id, 2)
    check(by_number["id"] == reply["id"], "post_by_number finds post 2")
    latest = lena.latest_topics()
    check(latest["topic_list"]["topics"][0]["id"] == topic_id, "the topic leads /latest")
    posters = latest["topic_list"]["topics"][0]["posters"]
    names = {u["id"]: u["username"] for u in latest["users"]}
    check(
        [(names[p["user_id"]], p["description"]) for p in posters]
        == [("lena", "Original Poster"), ("tomas", "Most Recent Poster")],
        "posters: the creator, then the last poster, each side-loaded in users",
    )
    in_cat = admin.category_topics(cat["id"])
    check([t["id"] for t in in_cat["topic_list"]["topics"]] == [topic_id], "category_topics lists it")
    recent = admin.latest_posts()
    check(recent["latest_posts"][0]["id"] == reply["id"], "latest_posts starts with the reply")
    found = poll(lambda: lena.search(f"Indochina {tag}")["topics"], "search")
    check(found[0]["id"] == topic_id, "search finds the edited reply's topic")
    user = admin.user("lena")
    check(user["username"] == "lena" and isinstance(user["id"], int), "user(lena)")
    notes = poll(
        lambda: [n for n in tomas._get("/notifications.json")["notifications"] if n["notification_type"] == 5],
        "tomas's like notification",
    )
    check(notes[0]["topic_id"] == topic_id, "tomas is notified of the like (type 5)")
    replied = poll(
        lambda: [n for n in lena._get("/notifications.json")["notifications"] if n["notification_type"] == 2],
        "lena's reply notification",
    )
    check(replied[0]["post_number"] == 2, "lena is notified of the reply (type 2)")
    check(admin.about()["about"]["title"] != "", "about")

    print("errors")
    expect_error(422, lena.create_post, "A body long enough to pass the length rule.", category_id=cat["id"])
    check(True, "a topic without a title is 422")
    expect_error(404, lena.post_by_id, 987654321)
    check(True, "an unknown post is 404")
    expect_error(404, lena.topic, "nothing", 987654321)
    check(True, "an unknown topic is 404")
    bad = client("lena", key="0" * 64)
    e = expect_error(403, bad.latest_topics)
    check("invalid" in str(e).lower(), "a bad key is 403 even on a read")

    print("delete")
    check(tomas._delete(f"/posts/{reply['id']}") is None, "deleting a post answers an empty 200")
    anon = requests.get(f"{URL}/posts/{reply['id']}.json")
    check(anon.status_code == 404, "a visitor gets 404 for the deleted post")
    check(admin.post_by_id(reply["id"])["deleted_at"] is not None, "staff still see it, deleted_at set")
    stream = requests.get(f"{URL}/t/{topic_id}.json").json()["post_stream"]["stream"]
    check(stream == [first["id"]], "the deleted post left the visitor's stream")
    check(lena.delete_topic(topic_id) is None, "delete_topic answers an empty 200")
    check(requests.get(f"{URL}/t/{topic_id}.json").status_code == 404, "a visitor gets 404 for the deleted topic")

    print(f"pydiscourse session passed: {calls} HTTP calls")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e} (after {calls} calls)", file=sys.stderr)
        sys.exit(1)
