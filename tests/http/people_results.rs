//! Search results as a page of their own: the search posts its terms, which are held for 30
//! minutes, and answers with a redirect to the results, so Back and Refresh return to them.
use crate::people::post_new;
use axum::http::StatusCode;
use chrono::Duration;
use ecaf_tests::{on_both_databases, Client, EARLY_HELP, PRACTITIONER};

const EMILIA: &[(&str, &str)] = &[
    ("given_name", "Emilia"),
    ("family_name", "Hughs"),
    ("dob_day", "7"),
    ("dob_month", "3"),
    ("dob_year", "2019"),
];

/// Send the search form and return where it redirects to.
async fn send_search(client: &mut Client, fields: &[(&str, &str)]) -> String {
    client.get("/people/search").await;
    let sent = client.post("/people/search", fields).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    sent.header("location").to_string()
}

async fn add_amelia(client: &mut Client) {
    let added = post_new(
        client,
        &[
            ("given_name", "Amelia"),
            ("family_name", "Hughes"),
            ("dob_day", "7"),
            ("dob_month", "3"),
            ("dob_year", "2019"),
            ("postcode", "BF1 2AB"),
        ],
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
}

on_both_databases!(
    search_results_are_a_page_that_refresh_and_back_return_to,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        add_amelia(&mut sam).await;
        let before = app
            .count("SELECT COUNT(*) FROM audit_events WHERE action = 'person.search'")
            .await;
        let results = send_search(&mut sam, EMILIA).await;
        // The address holds a random key, never what was searched for.
        let key = results.trim_start_matches("/people/search/");
        assert_eq!(key.len(), 64, "{results}");
        assert!(key.chars().all(|c| c.is_ascii_hexdigit()), "{results}");
        // Shown, then shown again (Refresh, or Back from a record): a GET each time.
        for _ in 0..2 {
            let page = sam.get(&results).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.text);
            assert!(
                page.text.contains("card__title\">Amelia Hughes"),
                "{}",
                page.text
            );
        }
        let held = app
            .count("SELECT COUNT(*) FROM held_forms WHERE purpose = 'search'")
            .await;
        assert_eq!(held, 1);
        // Every showing is a search of the register, audited as one.
        let searches = app
            .count("SELECT COUNT(*) FROM audit_events WHERE action = 'person.search'")
            .await;
        assert_eq!(searches - before, 2);
        // Someone else with the address sees nothing of it.
        let mut eve = app.signed_in(EARLY_HELP).await;
        let theirs = eve.get(&results).await;
        assert_eq!(theirs.status, StatusCode::OK);
        assert!(!theirs.text.contains("Amelia"), "{}", theirs.text);
        assert!(theirs.text.contains("That search is no longer available"));
        // After 30 minutes the terms are gone, and the next search deletes them.
        app.clock.advance(Duration::minutes(29));
        assert!(sam
            .get(&results)
            .await
            .text
            .contains("card__title\">Amelia"));
        app.clock.advance(Duration::minutes(2));
        let expired = sam.get(&results).await;
        assert!(!expired.text.contains("Amelia"), "{}", expired.text);
        assert!(expired.text.contains("searches are kept for 30 minutes"));
        send_search(
            &mut sam,
            &[("given_name", "Oliver"), ("family_name", "Hughes")],
        )
        .await;
        let held = app.count("SELECT COUNT(*) FROM held_forms").await;
        assert_eq!(held, 1, "only the new search is held");
    }
);

on_both_databases!(
    results_come_first_with_the_count_in_the_title_and_a_way_to_change_the_search,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        add_amelia(&mut sam).await;
        let results = send_search(&mut sam, EMILIA).await;
        let page = sam.get(&results).await;
        assert!(
            page.text
                .contains("<title>1 possible match – Check if a CAF exists"),
            "{}",
            page.text
        );
        let h1 = page.text.find("<h1").expect("a heading");
        assert!(page.text[h1..]
            .starts_with("<h1 class=\"govuk-heading-l\" id=\"results\">1 possible match</h1>"));
        // No search form above the results: they are the first thing on the page.
        assert!(!page.text.contains("action=\"/people/search\""));
        assert!(page
            .text
            .contains("You searched for Emilia Hughs, born 7 March 2019."));
        let change = format!("href=\"{results}/change\"");
        assert!(page.text.contains(&change), "{}", page.text);
        // "Change search" is the form filled in with what was typed.
        let form = sam.get(&format!("{results}/change")).await;
        assert_eq!(form.status, StatusCode::OK);
        for value in [
            "value=\"Emilia\"",
            "value=\"Hughs\"",
            "value=\"7\"",
            "value=\"2019\"",
        ] {
            assert!(form.text.contains(value), "{value}: {}", form.text);
        }
        // Nothing found says so, in the title too.
        let none = send_search(
            &mut sam,
            &[("given_name", "Zebedee"), ("family_name", "Quartermaine")],
        )
        .await;
        let page = sam.get(&none).await;
        assert!(page
            .text
            .contains("<title>No possible matches – Check if a CAF exists"));
    }
);

on_both_databases!(
    one_name_alone_asks_for_more_and_does_not_offer_to_add_the_child,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        add_amelia(&mut sam).await;
        let before = app
            .count("SELECT COUNT(*) FROM audit_events WHERE action = 'person.search'")
            .await;
        for (field, name, asks, link) in [
            (
                "family_name",
                "Hughes",
                "A last name alone matches too many people: add their first name, date of birth or postcode",
                "#given_name",
            ),
            (
                "given_name",
                "Amelia",
                "A first name alone matches too many people: add their last name, date of birth or postcode",
                "#family_name",
            ),
        ] {
            sam.get("/people/search").await;
            let reply = sam.post("/people/search", &[(field, name)]).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            assert!(reply.text.contains(asks), "{}", reply.text);
            // The error summary links to the first field that would help.
            assert!(reply.text.contains(&format!("href=\"{link}\"")), "{}", reply.text);
            assert!(reply.text.contains("<title>Error: Check if a CAF exists"));
            assert!(!reply.text.contains("No possible matches"));
            assert!(
                !reply.text.contains("/people/new"),
                "no add link: {}",
                reply.text
            );
            // What was typed stays in the form.
            assert!(reply.text.contains(&format!("value=\"{name}\"")));
        }
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'person.search'")
                .await,
            before,
            "nothing was searched"
        );
        // With a date of birth or a postcode the same last name is a search.
        send_search(
            &mut sam,
            &[("family_name", "Hughes"), ("postcode", "BF1 2AB")],
        )
        .await;
        send_search(
            &mut sam,
            &[
                ("family_name", "Hughes"),
                ("dob_day", "7"),
                ("dob_month", "3"),
                ("dob_year", "2019"),
            ],
        )
        .await;
    }
);

on_both_databases!(held_searches_are_purged_once_their_half_hour_is_up, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    send_search(&mut sam, EMILIA).await;
    assert_eq!(
        app.store.purge_expired_held_forms().await.unwrap(),
        0,
        "still within its time"
    );
    app.clock.advance(Duration::minutes(31));
    assert_eq!(app.store.purge_expired_held_forms().await.unwrap(), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM held_forms").await, 0);
});
