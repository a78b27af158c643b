//! "Check if a CAF exists" under hostile input: names longer than the matcher reads are
//! refused with the limit, and the longest searches allowed never keep the service from
//! answering; and with too little to go on: one name alone is answered with what to add.
use axum::http::StatusCode;
use ecaf_tests::{on_both_databases, Client, TestApp, PRACTITIONER};
use std::time::{Duration, Instant};

/// The longest name a search accepts, in as many parts as it accepts: 4 parts, 100 characters.
fn longest_name(letters: [char; 4]) -> String {
    let parts: Vec<String> = letters
        .iter()
        .enumerate()
        .map(|(i, c)| c.to_string().repeat(if i == 3 { 25 } else { 24 }))
        .collect();
    parts.join(" ")
}

/// A search through the page, as a signed-in practitioner of their own.
async fn page_search(client: &mut Client, given: &str, family: &str) -> (StatusCode, String) {
    client.get("/people/search").await;
    let reply = crate::people::search(
        client,
        &[
            ("given_name", given),
            ("family_name", family),
            ("dob_day", "7"),
            ("dob_month", "3"),
            ("dob_year", "2019"),
            ("postcode", "BF1 2AB"),
        ],
    )
    .await;
    (reply.status, reply.text)
}

on_both_databases!(
    overlong_names_are_refused_on_the_page_and_in_the_api,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        sam.get("/people/search").await;
        let long = "a".repeat(101);
        let page = crate::people::search(
            &mut sam,
            &[("given_name", long.as_str()), ("family_name", "Hughes")],
        )
        .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.text
                .contains("First name must be 100 characters or fewer"),
            "{}",
            page.text
        );
        let parts = crate::people::search(
            &mut sam,
            &[
                ("given_name", "Amelia"),
                ("family_name", "de la Cruz-Hughes Smith"),
            ],
        )
        .await;
        assert_eq!(parts.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            parts.text.contains("Last name must have 4 parts or fewer"),
            "{}",
            parts.text
        );
        let token = sam.create_token("Case system").await;
        let api = sam
            .api_get(
                &format!("/api/v1/people/search?given_name=Amelia&family_name={long}"),
                &token,
            )
            .await;
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.text);
        assert_eq!(api.header("content-type"), "application/problem+json");
        let errors = api.json()["errors"].clone();
        assert_eq!(errors[0]["field"], "family_name", "{errors}");
        assert_eq!(
            errors[0]["message"],
            "Last name must be 100 characters or fewer"
        );
        // The longest allowed is searched.
        let allowed = crate::people::search(
            &mut sam,
            &[
                ("given_name", longest_name(['a', 'b', 'c', 'd']).as_str()),
                ("family_name", longest_name(['e', 'f', 'g', 'h']).as_str()),
            ],
        )
        .await;
        assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'person.search'")
                .await,
            1,
            "only the allowed search ran"
        );
    }
);

/// Signs in a client of its own for each concurrent search.
async fn practitioners(app: &TestApp, n: usize) -> Vec<Client> {
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        clients.push(app.signed_in(PRACTITIONER).await);
    }
    clients
}

/// Adds a child through the page (the duplicate check runs first, so this searches too).
async fn add_child(client: &mut Client, given: &str, family: &str) -> StatusCode {
    let fields = [("given_name", given), ("family_name", family)];
    crate::people::post_new(client, &fields).await.status
}

on_both_databases!(health_answers_while_the_heaviest_searches_run, |app| {
    // Someone to find, so the searches have dictionary words to expand against.
    let mut sam = app.signed_in(PRACTITIONER).await;
    assert_eq!(
        add_child(&mut sam, "Amelia", "Hughes").await,
        StatusCode::SEE_OTHER
    );
    // On the two async workers of this runtime, at once: three of the longest searches
    // allowed, each run three times; three of the kind that used to hold a worker for many
    // seconds (50,000 characters in one word), which are refused before any matching; and
    // children being added, so the index has changes to apply while the searches run. (That
    // a search waiting for the index leaves its worker free is tested in the store, where the
    // index can be held on purpose: `a_search_waiting_for_the_index_leaves_the_runtime_free`.)
    let mut tasks = Vec::new();
    for (i, client) in practitioners(&app, 6).await.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut client = client;
            let mut statuses = Vec::new();
            if i % 2 == 0 {
                let given = longest_name(['a', 'm', 'e', 'l']);
                let family = longest_name(['h', 'u', 'g', 's']);
                for _ in 0..3 {
                    statuses.push(page_search(&mut client, &given, &family).await.0);
                }
            } else {
                let (status, text) = page_search(&mut client, &"a".repeat(50_000), "Hughes").await;
                assert!(text.contains("First name must be 100 characters or fewer"));
                statuses.push(status);
            }
            statuses
        }));
    }
    tasks.push(tokio::spawn(async move {
        let mut statuses = Vec::new();
        for (given, family) in [("Oliver", "Nowak"), ("Isla", "Khan"), ("Jacob", "Price")] {
            tokio::time::sleep(Duration::from_millis(100)).await;
            statuses.push(add_child(&mut sam, given, family).await);
        }
        statuses
    }));
    // /healthz is asked from a task of its own, so it is served by the same two workers, as
    // in `ecaf serve`, and asked again until everything else has finished.
    let mut asked = 0;
    while asked < 5 || tasks.iter().any(|t| !t.is_finished()) {
        asked += 1;
        let mut health = app.client();
        let started = Instant::now();
        let answer = tokio::spawn(async move { health.get("/healthz").await.status });
        let status = tokio::time::timeout(Duration::from_secs(1), answer)
            .await
            .unwrap_or_else(|_| panic!("/healthz did not answer within a second"))
            .expect("health task");
        assert_eq!(status, StatusCode::OK);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "/healthz took {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    let searched = vec![StatusCode::OK; 3];
    let refused = vec![StatusCode::UNPROCESSABLE_ENTITY];
    let added = vec![StatusCode::SEE_OTHER; 3];
    assert_eq!(
        statuses,
        [
            searched.clone(),
            refused.clone(),
            searched.clone(),
            refused.clone(),
            searched,
            refused,
            added
        ]
    );
});

on_both_databases!(
    one_name_alone_says_what_to_add_and_a_surname_with_a_birthday_or_postcode_finds,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        // Different homes, so adding Oliver finds no likely match to confirm.
        for (given, day, month, year, postcode) in [
            ("Amelia", "7", "3", "2019", "BF1 2AB"),
            ("Oliver", "2", "2", "2016", "BF1 2AD"),
        ] {
            let line = if given == "Amelia" {
                "4 Mill Lane"
            } else {
                "9 Church Road"
            };
            let fields = [
                ("given_name", given),
                ("family_name", "Hughes"),
                ("dob_day", day),
                ("dob_month", month),
                ("dob_year", year),
                ("postcode", postcode),
                ("address_line1", line),
                ("town", "Brookford"),
            ];
            let added = crate::people::post_new(&mut sam, &fields).await;
            assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
        }
        let token = sam.create_token("Case system").await;
        for (query, field, message) in [
            (
                "family_name=Hughes",
                "given_name",
                "A last name alone matches too many people",
            ),
            (
                "given_name=Amelia",
                "family_name",
                "A first name alone matches too many people",
            ),
            (
                "postcode=BF1%202AB",
                "given_name",
                "An address alone matches everyone",
            ),
        ] {
            let weak = sam
                .api_get(&format!("/api/v1/people/search?{query}"), &token)
                .await;
            assert_eq!(
                weak.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{query}: {}",
                weak.text
            );
            let errors = weak.json()["errors"].clone();
            assert_eq!(errors[0]["field"], field, "{query}: {errors}");
            assert!(
                errors[0]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with(message),
                "{query}: {errors}"
            );
        }
        let ids = |reply: &ecaf_tests::Reply| -> Vec<String> {
            reply.json().as_array().map_or(vec![], |hits| {
                hits.iter()
                    .map(|h| h["given_name"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
        };
        let with_birthday = sam
            .api_get(
                "/api/v1/people/search?family_name=Hughes&date_of_birth=2019-03-07",
                &token,
            )
            .await;
        assert_eq!(
            with_birthday.status,
            StatusCode::OK,
            "{}",
            with_birthday.text
        );
        assert_eq!(
            ids(&with_birthday).first().map(String::as_str),
            Some("Amelia")
        );
        let with_postcode = sam
            .api_get(
                "/api/v1/people/search?family_name=Hughes&postcode=bf12ab",
                &token,
            )
            .await;
        assert_eq!(
            with_postcode.status,
            StatusCode::OK,
            "{}",
            with_postcode.text
        );
        assert_eq!(ids(&with_postcode), ["Amelia"]);
        // The first line of the address is evidence, however it is typed: with a birthday
        // it finds Amelia even under a surname that does not match, and says so.
        let by_address = sam
            .api_get(
                "/api/v1/people/search?family_name=Okafor&date_of_birth=2019-03-07&address_line1=4%2C%20Mill%20Ln&town=Brookford",
                &token,
            )
            .await;
        assert_eq!(by_address.status, StatusCode::OK, "{}", by_address.text);
        let first = by_address.json()[0].clone();
        assert_eq!(first["given_name"], "Amelia", "{first}");
        assert!(
            first["explanation"]
                .as_str()
                .unwrap_or_default()
                .contains("same first line of address; same town"),
            "{first}"
        );
        // The page says the same instead of "no possible matches".
        sam.get("/people/search").await;
        let page = sam
            .post("/people/search", &[("family_name", "Hughes")])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.text
                .contains("A last name alone matches too many people"),
            "{}",
            page.text
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'person.search'")
                .await,
            // The two duplicate checks when adding, and the three searches that could be ranked.
            5,
            "a search too weak to rank is not run"
        );
    }
);
