//! First run: the admin account and, unless declined, demo content that shows what a Stoa
//! thread looks like. Everything is created through the ordinary use cases, so the demo obeys
//! the same rules as members do.
//!
//! The demo thread is a history discussion built like Stoa's reference thread: a question in
//! the title, a newspaper report of 14 April 1941 quoted in a block quote, a link to further
//! reading, replies (one answering a specific post, one quoting an earlier post) and a like.
//! The prose is ours; the historical facts are the record's.

use stoa_core::Actor;

use crate::accounts::generate_password;
use crate::{CategoryForm, Forum, NewTopicForm, ReplyForm, Result, SignupForm};

/// What first run created, to tell the operator once.
#[derive(Debug, Clone)]
pub struct FirstRun {
    pub admin_username: String,
    pub admin_password: String,
    pub demo: bool,
}

pub const ADMIN_USERNAME: &str = "admin";
pub const DEMO_TOPIC_TITLE: &str =
    "Why did the USSR trust its April 1941 neutrality pact with Japan?";

const WELCOME: &str = "\
Stoa is a place for long conversations. A few things worth knowing:

- **Topics** start with a question or a thought. Reply at the bottom, or press *Reply* under a \
particular post to answer it; Stoa links your reply to it.
- **Quote** someone by pressing *Quote* under their post. Select a passage first and only that \
passage is quoted.
- Posts are written in Markdown: `> ` starts a block quote, `[text](https://…)` makes a link, \
and `@name` mentions a member.
- **Like** a post you found useful. Likes are counted under each post.

Everything works without JavaScript, and everything you write is kept: edits keep the earlier \
versions, and deleted posts can be restored by an admin.";

const QUESTION: &str = "\
On 13 April 1941 Molotov and Matsuoka signed a five-year neutrality pact in Moscow. The next \
morning it was on the front pages. *Izvestia* of 14 April 1941 printed the text in full; the \
second article reads, in my own translation:

> Should one of the Contracting Parties become the object of military action by one or more \
third powers, the other Contracting Party shall keep neutrality for the whole of the conflict.
>
> — *Izvestia*, 14 April 1941

A joint declaration printed beside it had the USSR respect the territorial integrity of \
Manchukuo and Japan that of the Mongolian People's Republic.

Stalin went to the station himself to see Matsuoka off, which he almost never did. Two months \
later Germany, Japan's ally, invaded the Soviet Union. So my question: **why did Moscow put so \
much weight on a signature from Germany's partner in the Tripartite Pact?** Was it trust at all?

Further reading: [the pact and its background](https://en.wikipedia.org/wiki/Soviet%E2%80%93Japanese_Neutrality_Pact).";

const REPLY_TOMAS: &str = "\
I don't think \"trust\" is the right word. The pact bought time on the side of the country \
where the USSR could least afford a war. After the fighting at Khalkhin Gol in 1939 both sides \
knew what a border war would cost, and Japan was already stuck in China.

What Moscow wanted was a reason for Tokyo to look south, towards the oil of the Dutch East \
Indies, instead of north. The pact gave Japan's southern faction exactly that argument.";

const REPLY_KEIKO: &str = "\
That matches what happened in Tokyo. After 22 June the Imperial Conference of 2 July 1941 \
chose the southern advance, but it also approved large reinforcements for the Kwantung Army \
(the \"Kantokuen\" manoeuvres) in case the Soviet Union collapsed. Matsuoka himself, who had \
signed the pact, argued for attacking the USSR and was out of the cabinet within weeks.

So the pact held because the Red Army held, not the other way round.";

const REPLY_DMITRI: &str = "\
[quote=\"lena, post:1, topic:{topic}\"]
Was it trust at all?
[/quote]

Not much, I'd say. Moscow kept large forces in the Far East all through 1941, and it only \
moved divisions west in the autumn, once reports from Tokyo (Sorge's among them) and the \
signals from the Kwantung Army said there would be no attack that year. @keiko's point is the \
key one: both sides watched the war in Europe, not the paper.

And when it suited Moscow, the paper went: the USSR denounced the pact on 5 April 1945 and \
declared war on Japan on 8 August 1945.";

/// On an empty database: creates the admin (returning its one-time password) and the demo
/// content when `demo` is set. On a database with content: does nothing and returns None.
pub async fn first_run(forum: &Forum, demo: bool) -> Result<Option<FirstRun>> {
    if !forum.is_empty().await? {
        return Ok(None);
    }
    let admin_password = generate_password();
    let admin_id = forum
        .create_user(
            &SignupForm {
                username: ADMIN_USERNAME.into(),
                email: "admin@stoa.invalid".into(),
                password: admin_password.clone(),
                name: "Site admin".into(),
            },
            true,
        )
        .await?;
    // The first admin's address is a placeholder under .invalid: nothing is mailed to it.
    no_email(forum, admin_id).await?;
    let admin = Actor::Member {
        id: admin_id,
        admin: true,
    };
    let general = forum
        .create_category(
            admin,
            &CategoryForm {
                name: "General".into(),
                description: "Anything that doesn't fit elsewhere, and news about this forum."
                    .into(),
                parent_id: None,
                read_restricted: false,
                color: Some("25AAE2".into()),
                text_color: None,
            },
        )
        .await?;
    if demo {
        seed(forum, admin, general).await?;
    }
    Ok(Some(FirstRun {
        admin_username: ADMIN_USERNAME.into(),
        admin_password,
        demo,
    }))
}

async fn member(forum: &Forum, username: &str, name: &str) -> Result<Actor> {
    let id = forum
        .create_user(
            &SignupForm {
                username: username.into(),
                email: format!("{username}@demo.stoa.invalid"),
                password: generate_password(),
                name: name.into(),
            },
            false,
        )
        .await?;
    // Demo members are made up: their addresses (under .invalid) must never be mailed.
    no_email(forum, id).await?;
    Ok(Actor::Member { id, admin: false })
}

async fn no_email(forum: &Forum, id: crate::UserId) -> Result<()> {
    let mut tx = forum.db.write().await?;
    crate::db::users::set_email_notifications(&mut tx, id, false).await?;
    tx.commit().await?;
    Ok(())
}

async fn seed(forum: &Forum, admin: Actor, general: stoa_core::CategoryId) -> Result<()> {
    forum
        .create_topic(
            admin,
            &NewTopicForm {
                archetype: None,
                title: "Welcome to Stoa: how this forum works".into(),
                raw: WELCOME.into(),
                category_id: Some(general),
            },
        )
        .await?;
    let history = forum
        .create_category(
            admin,
            &CategoryForm {
                name: "History".into(),
                description: "Questions about the past, with sources.".into(),
                parent_id: None,
                read_restricted: false,
                color: Some("A4663C".into()),
                text_color: None,
            },
        )
        .await?;
    forum
        .create_category(
            admin,
            &CategoryForm {
                name: "Staff".into(),
                description: "Private discussions among the people who run this forum. Only \
                              admins see this category."
                    .into(),
                parent_id: None,
                read_restricted: true,
                color: Some("E45735".into()),
                text_color: None,
            },
        )
        .await?;
    let lena = member(forum, "lena", "Lena Sokolova").await?;
    let tomas = member(forum, "tomas", "Tomás Herrera").await?;
    let keiko = member(forum, "keiko", "Keiko Arai").await?;
    let dmitri = member(forum, "dmitri", "Dmitri Volkov").await?;
    let topic = forum
        .create_topic(
            lena,
            &NewTopicForm {
                archetype: None,
                title: DEMO_TOPIC_TITLE.into(),
                raw: QUESTION.into(),
                category_id: Some(history),
            },
        )
        .await?
        .topic_id;
    forum
        .reply(
            tomas,
            topic,
            &ReplyForm {
                raw: REPLY_TOMAS.into(),
                reply_to_post_number: None,
            },
        )
        .await?;
    let keiko_post = forum
        .reply(
            keiko,
            topic,
            &ReplyForm {
                raw: REPLY_KEIKO.into(),
                reply_to_post_number: Some(2),
            },
        )
        .await?
        .post_id;
    let dmitri_raw = REPLY_DMITRI.replace("{topic}", &topic.to_string());
    forum
        .reply(
            dmitri,
            topic,
            &ReplyForm {
                raw: dmitri_raw,
                reply_to_post_number: None,
            },
        )
        .await?;
    forum.set_like(lena, keiko_post, true).await?;
    Ok(())
}
