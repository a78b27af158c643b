use axum::http::{Method, StatusCode};
use ecaf_tests::{on_both_databases, Client, Reply, ADMIN, EARLY_HELP, PRACTITIONER};
use serde_json::json;

/// The one-time submission key of the add form on a page.
pub(crate) fn submission_key(html: &str) -> String {
    html.split("name=\"submission_key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no submission key on the page: {html}"))
        .to_string()
}

/// Fill in a fresh add form and submit it, as a browser would.
pub(crate) async fn post_new(client: &mut Client, fields: &[(&str, &str)]) -> Reply {
    let key = submission_key(&client.get("/people/new").await.text);
    let mut all = fields.to_vec();
    all.push(("submission_key", &key));
    client.post("/people/new", &all).await
}

/// Search through the page as a browser does: the form, its answer (a redirect to the results
/// unless the terms are refused), and the results page.
pub(crate) async fn search(client: &mut Client, fields: &[(&str, &str)]) -> Reply {
    client.get("/people/search").await;
    let sent = client.post("/people/search", fields).await;
    if sent.status != StatusCode::SEE_OTHER {
        return sent;
    }
    let results = sent.header("location").to_string();
    assert!(results.starts_with("/people/search/"), "{results}");
    client.get(&results).await
}

/// Add a person through the page (no candidates expected) and return their record number.
async fn add(client: &mut Client, fields: &[(&str, &str)]) -> i64 {
    let reply = post_new(client, fields).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    id_from(reply.header("location"))
}

/// The candidates "Is this the person you are adding?" shows, as the hidden field lists them.
pub(crate) fn candidates_shown(html: &str) -> String {
    html.split("name=\"candidates_shown\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no candidates shown: {html}"))
        .to_string()
}

/// Add a person through the page, answering "None of these" if the question is asked.
async fn add_confirming(client: &mut Client, fields: &[(&str, &str)]) -> i64 {
    let reply = post_new(client, fields).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let location = reply.header("location").to_string();
    if location.ends_with("/check") {
        let question = client.get(&location).await;
        let shown = candidates_shown(&question.text);
        let answered = client
            .post(
                &location,
                &[("answer", "none"), ("candidates_shown", shown.as_str())],
            )
            .await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.text);
        return id_from(answered.header("location"));
    }
    id_from(&location)
}

fn id_from(location: &str) -> i64 {
    location
        .trim_start_matches("/people/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("unexpected location {location}"))
}

const AMELIA: &[(&str, &str)] = &[
    ("given_name", "Amelia"),
    ("family_name", "Hughes"),
    ("gender", "female"),
    ("dob_day", "7"),
    ("dob_month", "3"),
    ("dob_year", "2019"),
    ("nhs_number", "943 476 5919"),
    ("address_line1", "4 Mill Lane"),
    ("town", "Brookford"),
    ("postcode", "bf1 2ab"),
];

on_both_databases!(
    a_misspelt_name_with_a_wrong_date_digit_finds_the_child,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let id = add(&mut sam, AMELIA).await;
        add(
            &mut sam,
            &[
                ("given_name", "Oliver"),
                ("family_name", "Hughes"),
                ("dob_day", "21"),
                ("dob_month", "8"),
                ("dob_year", "2016"),
            ],
        )
        .await;
        sam.get("/people/search").await;
        // "Emilia Hewes", born 1 digit off (2018 instead of 2019).
        let reply = search(
            &mut sam,
            &[
                ("given_name", "Emilia"),
                ("family_name", "Hewes"),
                ("dob_day", "7"),
                ("dob_month", "3"),
                ("dob_year", "2018"),
            ],
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        let first = reply
            .text
            .find("govuk-summary-card__title\">")
            .expect("a candidate");
        assert!(
            reply.text[first..].starts_with("govuk-summary-card__title\">Amelia Hughes"),
            "Amelia ranks first"
        );
        assert!(reply.text.contains(&format!("/people/{id}")));
        let why = reply
            .text
            .find("Why it may be them")
            .map(|i| &reply.text[i..i + 300])
            .unwrap_or_default();
        assert!(
            why.contains("sounds the same")
                || why.contains("spelled similarly")
                || why.contains("similar"),
            "explained: {why}"
        );
        assert!(reply.text.contains("No CAF recorded"));
        // Day and month swapped, nickname.
        let swapped = search(
            &mut sam,
            &[
                ("given_name", "Millie"),
                ("family_name", "Hughes"),
                ("dob_day", "3"),
                ("dob_month", "7"),
                ("dob_year", "2019"),
            ],
        )
        .await;
        assert!(swapped.text.contains("Amelia Hughes"));
        assert!(
            swapped.text.contains("day and month of birth swapped"),
            "{}",
            swapped.text
        );
        let searches = app
            .count("SELECT COUNT(*) FROM audit_events WHERE action = 'person.search'")
            .await;
        assert!(searches >= 2, "searches are audited");
    }
);

on_both_databases!(search_input_is_checked, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    sam.get("/people/search").await;
    let reply = search(
        &mut sam,
        &[
            ("nhs_number", "943 476 5918"),
            ("dob_day", "31"),
            ("dob_month", "2"),
            ("dob_year", "2019"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.text.contains("check digit does not match"));
    assert!(reply.text.contains("Date of birth must be a real date"));
    let empty = search(&mut sam, &[]).await;
    assert!(empty.text.contains("Enter a name, an NHS number"));
});

on_both_databases!(
    adding_a_person_checks_the_register_first_and_records_the_decision,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let first = add(&mut sam, AMELIA).await;
        // Same child again, typed slightly differently: candidates are shown, nothing is created.
        let again = [
            ("given_name", "Amelia"),
            ("family_name", "Hughs"),
            ("dob_day", "7"),
            ("dob_month", "3"),
            ("dob_year", "2019"),
            ("postcode", "BF1 2AB"),
        ];
        let reply = post_new(&mut sam, &again).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
        let question = sam.get(reply.header("location")).await;
        assert!(question.text.contains("Is this the person you are adding?"));
        assert!(question.text.contains(&format!("/people/{first}")));
        assert_eq!(app.count("SELECT COUNT(*) FROM people").await, 1);
        // Answering "none of these" creates the record and records the decision.
        let created = sam
            .post(
                reply.header("location"),
                &[("answer", "none"), ("candidates_shown", &first.to_string())],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
        assert_eq!(app.count("SELECT COUNT(*) FROM people").await, 2);
        let note = app.count("SELECT COUNT(*) FROM person_history WHERE summary LIKE '%confirmed not to be this person%'").await;
        assert_eq!(note, 1);
    }
);

on_both_databases!(
    invalid_person_details_are_refused_and_change_nothing,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let reply = post_new(
            &mut sam,
            &[
                ("given_name", ""),
                ("family_name", "Hughes"),
                ("nhs_number", "1234567890"),
                ("upn", "Z12"),
                ("postcode", "XX"),
                ("dob_day", "1"),
                ("dob_month", "1"),
                ("dob_year", "2030"),
            ],
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        for message in [
            "Enter the person&#x27;s first name",
            "NHS number",
            "unique pupil number",
            "full UK postcode",
            "expected date of birth",
        ] {
            assert!(reply.text.contains(message), "missing {message}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM people").await, 0);
        // An expected date of birth in the future is fine when marked as expected.
        let unborn = [
            ("given_name", "Baby"),
            ("family_name", "Thompson"),
            ("dob_day", "1"),
            ("dob_month", "3"),
            ("dob_year", "2027"),
            ("date_of_birth_is_expected", "true"),
        ];
        add(&mut sam, &unborn).await;
    }
);

on_both_databases!(a_conflicting_edit_is_refused_with_who_and_when, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let id = add(&mut sam, AMELIA).await;
    let mut eve = app.signed_in(EARLY_HELP).await;
    let path = format!("/people/{id}/edit");
    sam.get(&path).await;
    eve.get(&path).await;
    // Sam changes the telephone and the first language and saves first.
    let mut sams: Vec<(&str, &str)> = AMELIA.to_vec();
    sams.extend([
        ("revision", "1"),
        ("telephone", "01632 960 123"),
        ("first_language", "Polish"),
    ]);
    assert_eq!(sam.post(&path, &sams).await.status, StatusCode::SEE_OTHER);
    // Eve, from the same starting point, changes the telephone too, and the disability.
    let mut eves: Vec<(&str, &str)> = AMELIA.to_vec();
    eves.extend([
        ("revision", "1"),
        ("telephone", "07700 900 982"),
        ("disability", "Hearing impairment"),
    ]);
    let stale = eve.post(&path, &eves).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let text = &stale.text;
    // Who, and when, in one "on … at …".
    assert!(
        text.contains("changed by Sam Practitioner (Test Primary School) on "),
        "{text}"
    );
    let when = text
        .split("(Test Primary School) on ")
        .nth(1)
        .and_then(|rest| rest.split(" while").next())
        .unwrap_or_default();
    assert_eq!(when.matches(" at ").count(), 1, "{when}");
    // An error page in the title, with an error summary naming each changed detail.
    assert!(
        text.contains("<title>Error: Change Amelia Hughes&#x27;s details – Amelia Hughes, record"),
        "{text}"
    );
    assert!(text.contains("govuk-error-summary"));
    assert!(text.contains("href=\"#telephone\""));
    assert!(text.contains("href=\"#first_language\""));
    // Theirs beside yours where both changed the telephone; Eve's typing is what the form holds.
    assert!(text.contains("What changed while you were editing"));
    assert!(text.contains("data-label=\"Their change\">01632 960 123</td>"));
    assert!(text.contains("data-label=\"Yours\">07700 900 982</td>"));
    assert!(text.contains("value=\"07700 900 982\""), "{text}");
    assert!(text.contains(">Hearing impairment</textarea>"), "{text}");
    // Sam's first language, which Eve had not touched, is taken into the form.
    assert!(text
        .contains("id=\"first_language\" name=\"first_language\" type=\"text\" value=\"Polish\""));
    assert!(text.contains("name=\"revision\" value=\"2\""));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM people WHERE telephone = '01632 960 123'")
            .await,
        1,
        "first edit kept"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM person_history WHERE person_id = {id}"
        ))
        .await,
        2
    );
    // Sent again as shown, it saves: Eve's telephone and disability, Sam's language.
    let mut again: Vec<(&str, &str)> = AMELIA.to_vec();
    again.extend([
        ("revision", "2"),
        ("telephone", "07700 900 982"),
        ("first_language", "Polish"),
        ("disability", "Hearing impairment"),
    ]);
    assert_eq!(eve.post(&path, &again).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM people WHERE telephone = '07700 900 982' AND first_language = 'Polish' AND disability = 'Hearing impairment'")
            .await,
        1
    );
});

on_both_databases!(family_relationships_show_from_both_sides, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let child = add(&mut sam, AMELIA).await;
    let mother = add(
        &mut sam,
        &[
            ("given_name", "Sarah"),
            ("family_name", "Hughes"),
            ("dob_day", "12"),
            ("dob_month", "5"),
            ("dob_year", "1990"),
        ],
    )
    .await;
    sam.get(&format!("/people/{child}")).await;
    let mother_text = mother.to_string();
    let reply = sam
        .post(
            &format!("/people/{child}/relationships"),
            &[
                ("related_person_id", &mother_text),
                ("relationship", "mother"),
                ("parental_responsibility", "yes"),
                ("lives_with", "yes"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let child_page = sam.get(&format!("/people/{child}")).await;
    assert!(child_page.text.contains("Sarah Hughes") && child_page.text.contains("Mother"));
    let mother_page = sam.get(&format!("/people/{mother}")).await;
    assert!(mother_page.text.contains("Amelia Hughes") && mother_page.text.contains("Child"));
    // A second child of the same mother shows as Amelia's sibling without a recorded link.
    let brother = add(
        &mut sam,
        &[
            ("given_name", "Oliver"),
            ("family_name", "Hughes"),
            ("dob_day", "21"),
            ("dob_month", "8"),
            ("dob_year", "2016"),
        ],
    )
    .await;
    sam.get(&format!("/people/{brother}")).await;
    sam.post(
        &format!("/people/{brother}/relationships"),
        &[
            ("related_person_id", &mother_text),
            ("relationship", "mother"),
            ("parental_responsibility", "not_known"),
            ("lives_with", "not_known"),
        ],
    )
    .await;
    let family = sam.get(&format!("/people/{child}")).await;
    assert!(
        family.text.contains("Oliver Hughes")
            && family.text.contains("Sibling (same parent or carer)"),
        "{}",
        family.text
    );
    let bad = sam
        .post(
            &format!("/people/{child}/relationships"),
            &[
                ("related_person_id", "999999"),
                ("relationship", "mother"),
                ("parental_responsibility", "yes"),
                ("lives_with", "yes"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("no current record with that number"));
    // The form with the errors is inside "Add a family member": open, or the error summary's
    // links would point at hidden fields. Shown without errors, it starts closed.
    assert!(bad.text.contains("<details class=\"govuk-details\" open>"));
    assert!(family.text.contains("<details class=\"govuk-details\">"));
});

on_both_databases!(early_help_merges_duplicates_and_can_undo, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let kept = add(&mut sam, AMELIA).await;
    let duplicate = add(
        &mut sam,
        &[
            ("given_name", "Amelie"),
            ("family_name", "Hewitt"),
            ("dob_day", "8"),
            ("dob_month", "4"),
            ("dob_year", "2020"),
        ],
    )
    .await;
    // Practitioners may not merge.
    assert_eq!(
        sam.get(&format!("/people/{kept}/merge")).await.status,
        StatusCode::FORBIDDEN
    );
    let mut eve = app.signed_in(EARLY_HELP).await;
    let merged = crate::people_merges::merge_by_page(
        &mut eve,
        kept,
        duplicate,
        "Same child: confirmed with school",
    )
    .await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.text);
    // The duplicate's name now finds the kept record, and the duplicate is not offered.
    eve.get("/people/search").await;
    let found = search(
        &mut eve,
        &[
            ("given_name", "Amelie"),
            ("family_name", "Hewitt"),
            ("dob_day", "8"),
            ("dob_month", "4"),
            ("dob_year", "2020"),
        ],
    )
    .await;
    assert!(
        found.text.contains(&format!("/people/{kept}\"")),
        "{}",
        found.text
    );
    assert!(!found.text.contains(&format!("/people/{duplicate}\"")));
    // Nothing is lost: the duplicate row is still there, marked.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM people WHERE id = {duplicate} AND merged_into_id = {kept}"
        ))
        .await,
        1
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"person.merge".to_string()));
    // Undo.
    let page = eve.get(&format!("/people/{kept}")).await;
    let marker = "/people/merges/";
    let start = page.text.find(marker).expect("undo button") + marker.len();
    let merge_id: String = page.text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let undone = eve
        .post(&format!("/people/merges/{merge_id}/undo"), &[])
        .await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER);
    let again = search(
        &mut eve,
        &[
            ("given_name", "Amelie"),
            ("family_name", "Hewitt"),
            ("dob_day", "8"),
            ("dob_month", "4"),
            ("dob_year", "2020"),
        ],
    )
    .await;
    assert!(again.text.contains(&format!("/people/{duplicate}\"")));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM people WHERE merged_into_id IS NOT NULL")
            .await,
        0
    );
});

on_both_databases!(another_instance_sees_changes_at_once, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    // The second instance builds its index now, before the person exists.
    let other_router = app.second_instance(&app.url).await;
    let mut other = app.client_of(other_router);
    other.sign_in(PRACTITIONER, ecaf_tests::PASSWORD).await;
    other.get("/people/search").await;
    let before = search(
        &mut other,
        &[("given_name", "Kacper"), ("family_name", "Nowak")],
    )
    .await;
    assert!(before.text.contains("No possible matches"));
    let id = add(
        &mut sam,
        &[
            ("given_name", "Kacper"),
            ("family_name", "Nowak"),
            ("dob_day", "30"),
            ("dob_month", "1"),
            ("dob_year", "2014"),
        ],
    )
    .await;
    let after = search(
        &mut other,
        &[
            ("given_name", "Kasper"),
            ("family_name", "Novak"),
            ("dob_day", "30"),
            ("dob_month", "1"),
            ("dob_year", "2014"),
        ],
    )
    .await;
    assert!(
        after.text.contains(&format!("/people/{id}\"")),
        "found through the other instance: {}",
        after.text
    );
    // A rename through the first instance is seen by the second: new name found, old not.
    sam.get(&format!("/people/{id}/edit")).await;
    let renamed = sam
        .post(
            &format!("/people/{id}/edit"),
            &[
                ("given_name", "Jakub"),
                ("family_name", "Zielinski"),
                ("dob_day", "30"),
                ("dob_month", "1"),
                ("dob_year", "2014"),
                ("revision", "1"),
                ("change_reason", "Adopted: new name from the court order"),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    let by_new = search(
        &mut other,
        &[("given_name", "Jakub"), ("family_name", "Zielinski")],
    )
    .await;
    assert!(by_new.text.contains(&format!("/people/{id}\"")));
    let by_old = search(
        &mut other,
        &[
            ("given_name", "Kacper"),
            ("family_name", "Nowak"),
            ("postcode", "BF1 1AA"),
        ],
    )
    .await;
    assert!(!by_old.text.contains("card__title\">Kacper Nowak"));
});

on_both_databases!(
    administrators_without_a_practice_role_cannot_use_the_register,
    |app| {
        let mut admin = app.signed_in(ADMIN).await;
        assert_eq!(
            admin.get("/people/search").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(admin.get("/people/1").await.status, StatusCode::FORBIDDEN);
    }
);

on_both_databases!(the_register_over_the_api, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let token = sam.create_token("Case system").await;
    let mut api = app.client();
    let amelia = json!({"person": {"given_name": "Amelia", "family_name": "Hughes", "gender": "female", "date_of_birth": "2019-03-07",
        "nhs_number": "9434765919", "main_address": {"line1": "4 Mill Lane", "town": "Brookford", "postcode": "BF1 2AB"},
        "other_names": [{"kind": "known_as", "given_name": "Millie", "family_name": "Hughes"}]}});
    let created = api
        .api_json(Method::POST, "/api/v1/people", &token, &amelia)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["id"].as_i64().unwrap();
    assert_eq!(created.json()["main_address"]["postcode"], "BF1 2AB");
    // The same child again: 409 with the candidate, until confirmed.
    let again = api
        .api_json(Method::POST, "/api/v1/people", &token, &amelia)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["candidates"][0]["id"], id);
    assert_eq!(again.json()["candidates"][0]["same_identifier"], true);
    let search = api
        .api_get(
            "/api/v1/people/search?given_name=Emilia&family_name=Hughs&date_of_birth=2019-07-03",
            &token,
        )
        .await;
    assert_eq!(search.status, StatusCode::OK);
    assert_eq!(search.json()[0]["id"], id, "{}", search.text);
    let why = search.json()[0]["explanation"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(why.contains("day and month of birth swapped"), "{why}");
    assert!(
        search.json()[0].get("communication_needs").is_none(),
        "no case content in results"
    );
    let bad = api
        .api_get(
            "/api/v1/people/search?nhs_number=123&date_of_birth=2019-02-31",
            &token,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["errors"].as_array().unwrap().len(), 2);
    let invalid = api
        .api_json(
            Method::POST,
            "/api/v1/people",
            &token,
            &json!({"person": {"given_name": "", "family_name": "X", "upn": "bad"}}),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.header("content-type"), "application/problem+json");
    let malformed = api
        .send(
            Method::POST,
            "/api/v1/people",
            axum::body::Body::from("{not json"),
            Some("application/json"),
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.header("content-type"), "application/problem+json");
    // Update with optimistic concurrency.
    let mut change = amelia.clone();
    change["person"]["telephone"] = json!("01632 960 123");
    change["revision"] = json!(1);
    let ok = api
        .api_json(
            Method::PUT,
            &format!("/api/v1/people/{id}"),
            &token,
            &change,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.json()["revision"], 2);
    let stale = api
        .api_json(
            Method::PUT,
            &format!("/api/v1/people/{id}"),
            &token,
            &change,
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.json()["detail"]
        .as_str()
        .unwrap()
        .contains("changed by Sam Practitioner (Test Primary School)"));
    let read = api.api_get(&format!("/api/v1/people/{id}"), &token).await;
    assert_eq!(read.json()["telephone"], "01632 960 123");
    assert_eq!(
        api.api_get("/api/v1/people/999999", &token).await.status,
        StatusCode::NOT_FOUND
    );
});

on_both_databases!(the_household_is_everyone_at_the_same_main_address, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let amelia = add(&mut sam, AMELIA).await;
    let adult = |given: &'static str, line1: &'static str, postcode: &'static str| {
        vec![
            ("given_name", given),
            ("family_name", "Hughes"),
            ("dob_day", "12"),
            ("dob_month", "5"),
            ("dob_year", "1990"),
            ("address_line1", line1),
            ("town", "Brookford"),
            ("postcode", postcode),
        ]
    };
    // The same address typed differently is the same household; next door is not.
    let sarah = add_confirming(&mut sam, &adult("Sarah", " 4 MILL LANE ", "BF12AB")).await;
    let neighbour = add_confirming(&mut sam, &adult("Nora", "6 Mill Lane", "BF1 2AB")).await;
    sam.get(&format!("/people/{amelia}")).await;
    sam.post(
        &format!("/people/{amelia}/relationships"),
        &[
            ("related_person_id", sarah.to_string().as_str()),
            ("relationship", "mother"),
            ("parental_responsibility", "yes"),
            ("lives_with", "yes"),
        ],
    )
    .await;
    let page = sam.get(&format!("/people/{amelia}")).await.text;
    let household = page
        .split("<h2 class=\"govuk-heading-m\">Household</h2>")
        .nth(1)
        .and_then(|rest| rest.split("Family and relationships").next())
        .unwrap_or_default();
    assert!(
        household.contains("Also living at 4 Mill Lane")
            && household.contains(&format!("href=\"/people/{sarah}\""))
            && household.contains("Mother"),
        "{household}"
    );
    assert!(
        !household.contains(&format!("/people/{neighbour}\"")),
        "{household}"
    );
    let nora = sam.get(&format!("/people/{neighbour}")).await.text;
    assert!(
        nora.contains("Nobody else on the register has 6 Mill Lane"),
        "{nora}"
    );
});

on_both_databases!(a_name_with_a_text_direction_override_is_refused, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    // U+202E makes "Hughes" display as "sehguH"; the form reports it on the field.
    let reply = post_new(
        &mut sam,
        &[("given_name", "Amelia"), ("family_name", "\u{202E}Hughes")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text.contains(
            "Last name must not include hidden control characters, such as marks that change \
             the direction of text"
        ),
        "{}",
        reply.text
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM people").await, 0);
});

on_both_databases!(other_names_and_addresses_are_limited, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    // The page: 21 other names.
    let names: Vec<String> = (0..21).map(|i| format!("Alias{}", "a".repeat(i))).collect();
    let mut fields: Vec<(&str, &str)> = vec![("given_name", "Amelia"), ("family_name", "Hughes")];
    for name in &names {
        fields.push(("other_kind", "alias"));
        fields.push(("other_given_name", name));
        fields.push(("other_family_name", "Hughes"));
    }
    let page = post_new(&mut sam, &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text.contains("A person can have up to 20 other names"),
        "{}",
        page.text
    );
    // The API: 21 other names and 11 other addresses, each a problem of its own.
    let token = sam.create_token("Case system").await;
    let other_names: Vec<serde_json::Value> = names
        .iter()
        .map(|n| json!({"kind": "alias", "given_name": n, "family_name": "Hughes"}))
        .collect();
    let other_addresses: Vec<serde_json::Value> = (0..11)
        .map(|i| json!({"line1": format!("{i} Mill Lane"), "postcode": "BF1 2AB"}))
        .collect();
    let reply = sam
        .api_json(
            Method::POST,
            "/api/v1/people",
            &token,
            &json!({"person": {"given_name": "Amelia", "family_name": "Hughes",
                "other_names": other_names, "other_addresses": other_addresses}}),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(reply.header("content-type"), "application/problem+json");
    assert_eq!(
        reply.json()["errors"],
        json!([
            {"field": "other_addresses", "message": "A person can have up to 10 addresses besides their main address"},
            {"field": "other_names", "message": "A person can have up to 20 other names"},
        ])
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM people").await, 0);
    // Twenty names and ten other addresses are fine.
    let mut person = json!({"given_name": "Amelia", "family_name": "Hughes",
        "other_names": other_names[..20], "other_addresses": other_addresses[..10]});
    person["main_address"] = json!({"line1": "4 Mill Lane", "postcode": "BF1 2AB"});
    let created = sam
        .api_json(
            Method::POST,
            "/api/v1/people",
            &token,
            &json!({"person": person}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(
        created.json()["other_names"].as_array().map(Vec::len),
        Some(20)
    );
    assert_eq!(
        created.json()["other_addresses"].as_array().map(Vec::len),
        Some(10)
    );
});

on_both_databases!(a_person_read_from_the_api_can_be_sent_back_changed, |app| {
    let mut sam = app.signed_in(PRACTITIONER).await;
    let token = sam.create_token("Case system").await;
    let created = sam
        .api_json(
            Method::POST,
            "/api/v1/people",
            &token,
            &json!({"person": {"given_name": "Amelia", "family_name": "Hughes", "gender": "female",
                "date_of_birth": "2019-03-07", "nhs_number": "943 476 5919",
                "main_address": {"line1": "4 Mill Lane", "town": "Brookford", "postcode": "bf1 2ab"},
                "other_addresses": [{"line1": "9 Park Road", "description": "father's home"}],
                "other_names": [{"kind": "known_as", "given_name": "Millie", "family_name": "Hughes"}]}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/people/{id}");
    // Read, change one field, send the same document back: nulls (telephone, ethnicity, the
    // other address's postcode) and read-only fields (id, created_at, household…) included.
    let read = sam.api_get(&path, &token).await.json();
    assert!(read["telephone"].is_null() && read["other_addresses"][0]["postcode"].is_null());
    let mut changed = read.clone();
    changed["family_name"] = json!("Hughes-Price");
    // A new name needs a reason, as on the edit page.
    let unexplained = sam.api_json(Method::PUT, &path, &token, &changed).await;
    assert_eq!(unexplained.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unexplained.json()["errors"][0]["field"], "change_reason");
    assert_eq!(
        unexplained.json()["errors"][0]["message"],
        "Enter why you are changing the name"
    );
    changed["change_reason"] = json!("Mother's new surname, from the school's records");
    let saved = sam.api_json(Method::PUT, &path, &token, &changed).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM person_history WHERE person_id = {id} AND summary = 'Details changed. Reason given: Mother''s new surname, from the school''s records'"))
            .await,
        1
    );
    let after = sam.api_get(&path, &token).await.json();
    assert_eq!(after["family_name"], "Hughes-Price");
    assert_eq!(after["revision"], 2);
    // Everything else is as it was.
    for field in [
        "given_name",
        "gender",
        "date_of_birth",
        "nhs_number",
        "main_address",
        "other_addresses",
        "other_names",
        "telephone",
        "ethnicity",
    ] {
        assert_eq!(after[field], read[field], "{field}");
    }
    // The document read before that change is now stale.
    let stale = sam.api_json(Method::PUT, &path, &token, &read).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert_eq!(
        sam.api_get(&path, &token).await.json()["family_name"],
        "Hughes-Price"
    );
});

on_both_databases!(
    the_history_says_what_changed_and_who_by_name_and_agency,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let id = add(&mut sam, AMELIA).await;
        let mut eve = app.signed_in(EARLY_HELP).await;
        let path = format!("/people/{id}/edit");
        eve.get(&path).await;
        let mut edit: Vec<(&str, &str)> = AMELIA.to_vec();
        edit.retain(|(name, _)| *name != "postcode");
        edit.extend([
            ("revision", "1"),
            ("telephone", "01632 960 123"),
            ("postcode", "BF2 6EF"),
            ("change_reason", "The family moved in May"),
        ]);
        assert_eq!(eve.post(&path, &edit).await.status, StatusCode::SEE_OTHER);
        let page = sam.get(&format!("/people/{id}/history")).await;
        assert_eq!(page.status, StatusCode::OK);
        let text = &page.text;
        // Who, as colleagues know them: name and agency, never an email address.
        assert!(
            text.contains("Eve Early-Help (Test Primary School)"),
            "{text}"
        );
        assert!(
            text.contains("Sam Practitioner (Test Primary School)"),
            "{text}"
        );
        assert!(!text.contains("@test.example"), "{text}");
        // What changed: each detail, before and after; what did not change is not listed.
        assert!(
            text.contains("<strong>Contact telephone</strong>: nothing"),
            "{text}"
        );
        assert!(text.contains("01632 960 123"));
        assert!(
            text.contains("<strong>Main address</strong>: 4 Mill Lane, Brookford, BF1 2AB"),
            "{text}"
        );
        assert!(text.contains("4 Mill Lane, Brookford, BF2 6EF"));
        assert!(!text.contains("<strong>First name</strong>"));
        // No revision number dressed up as a version.
        assert!(!text.contains(">Version<"));
        assert!(text.contains("ecaf-table--stack"));
    }
);

on_both_databases!(
    changing_identifying_details_needs_a_reason_kept_in_the_history,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let id = add(&mut sam, AMELIA).await;
        let path = format!("/people/{id}/edit");
        let form = sam.get(&path).await;
        assert!(form
            .text
            .contains("Reason for changing their identifying details"));
        // A new NHS number and date of birth, with no reason: refused, nothing saved.
        let mut edit: Vec<(&str, &str)> = AMELIA
            .iter()
            .copied()
            .filter(|(name, _)| !matches!(*name, "nhs_number" | "dob_day"))
            .collect();
        edit.extend([("revision", "1"), ("nhs_number", ""), ("dob_day", "8")]);
        let refused = sam.post(&path, &edit).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text.contains("<title>Error: "));
        assert!(
            refused
                .text
                .contains("Enter why you are changing the date of birth and NHS number"),
            "{}",
            refused.text
        );
        assert!(refused.text.contains("href=\"#change_reason\""));
        assert!(refused
            .text
            .contains("name=\"dob_day\" type=\"text\" inputmode=\"numeric\" value=\"8\""));
        assert_eq!(
            app.count(&format!("SELECT revision FROM people WHERE id = {id}"))
                .await,
            1
        );
        // With a reason: saved, and the reason is in the history and the audit log.
        edit.push((
            "change_reason",
            "Date and NHS number confirmed by the GP surgery",
        ));
        let saved = sam.post(&path, &edit).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
        let history = sam.get(&format!("/people/{id}/history")).await;
        assert!(
            history.text.contains(
                "Details changed. Reason given: Date and NHS number confirmed by the GP surgery"
            ),
            "{}",
            history.text
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'person.update' AND detail LIKE 'reason: Date and NHS number%'")
                .await,
            1
        );
        // Other details need none.
        let mut phone: Vec<(&str, &str)> = edit
            .iter()
            .copied()
            .filter(|(name, _)| !matches!(*name, "revision" | "change_reason"))
            .collect();
        phone.extend([("revision", "2"), ("telephone", "01632 960 123")]);
        assert_eq!(sam.post(&path, &phone).await.status, StatusCode::SEE_OTHER);
    }
);

on_both_databases!(
    parental_responsibility_and_living_with_are_yes_no_or_not_known,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let child = add(&mut sam, AMELIA).await;
        let father = add(
            &mut sam,
            &[
                ("given_name", "Tom"),
                ("family_name", "Hughes"),
                ("dob_day", "2"),
                ("dob_month", "6"),
                ("dob_year", "1988"),
            ],
        )
        .await;
        let page = sam.get(&format!("/people/{child}")).await;
        // Radios, not checkboxes: nothing is read as "no" because a box was left unticked.
        assert!(page
            .text
            .contains("Do they have parental responsibility for Amelia?"));
        assert!(page.text.contains("value=\"not_known\""));
        let father_text = father.to_string();
        let path = format!("/people/{child}/relationships");
        let unanswered = sam
            .post(
                &path,
                &[
                    ("related_person_id", &father_text),
                    ("relationship", "father"),
                ],
            )
            .await;
        assert_eq!(unanswered.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unanswered
            .text
            .contains("Select whether they have parental responsibility, or not known"));
        assert!(unanswered
            .text
            .contains("Select whether they live with them, or not known"));
        assert_eq!(app.count("SELECT COUNT(*) FROM relationships").await, 0);
        let added = sam
            .post(
                &path,
                &[
                    ("related_person_id", &father_text),
                    ("relationship", "father"),
                    ("parental_responsibility", "not_known"),
                    ("lives_with", "no"),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM relationships WHERE parental_responsibility = 0 AND lives_with = 2")
                .await,
            1
        );
        let page = sam.get(&format!("/people/{child}")).await;
        assert!(
            page.text
                .contains("data-label=\"Parental responsibility\">Not known</td>"),
            "{}",
            page.text
        );
        assert!(
            page.text
                .contains("data-label=\"Lives with Amelia\">No</td>"),
            "{}",
            page.text
        );
    }
);

on_both_databases!(dates_of_birth_show_the_age_and_babies_in_months, |app| {
    // The test clock's today is 25 November 2026.
    let mut sam = app.signed_in(PRACTITIONER).await;
    let child = add(
        &mut sam,
        &[
            ("given_name", "Ruby"),
            ("family_name", "Marsh"),
            ("dob_day", "12"),
            ("dob_month", "3"),
            ("dob_year", "2015"),
        ],
    )
    .await;
    let baby = add(
        &mut sam,
        &[
            ("given_name", "Leo"),
            ("family_name", "Fenwick"),
            ("dob_day", "20"),
            ("dob_month", "6"),
            ("dob_year", "2026"),
        ],
    )
    .await;
    let unborn = add(
        &mut sam,
        &[
            ("given_name", "Baby"),
            ("family_name", "Quill"),
            ("dob_day", "12"),
            ("dob_month", "3"),
            ("dob_year", "2027"),
            ("date_of_birth_is_expected", "true"),
        ],
    )
    .await;
    for (id, shown) in [
        (child, "12 March 2015 (11 years)"),
        (baby, "20 June 2026 (5 months)"),
        (unborn, "due 12 March 2027"),
    ] {
        let page = sam.get(&format!("/people/{id}")).await;
        assert!(page.text.contains(shown), "{shown} missing: {}", page.text);
    }
});

on_both_databases!(
    the_person_form_says_whose_record_and_gives_each_other_name_a_legend,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let id = add(
            &mut sam,
            &[
                ("given_name", "Ruby"),
                ("family_name", "Marsh"),
                ("dob_day", "12"),
                ("dob_month", "3"),
                ("dob_year", "2015"),
                ("other_kind", "previous_name"),
                ("other_given_name", "Ruby"),
                ("other_family_name", "Fenwick"),
            ],
        )
        .await;
        let edit = sam.get(&format!("/people/{id}/edit")).await;
        for text in [
            format!("<span class=\"govuk-caption-l\">Ruby Marsh, record {id}</span>"),
            "<h1 class=\"govuk-heading-l\">Change Ruby Marsh&#x27;s details</h1>".to_string(),
            // The form's addresses are escaped as values ("/" as "&#x2f;").
            format!("<a href=\"&#x2f;people&#x2f;{id}\" class=\"govuk-back-link\">Back</a>"),
            "<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--s\">Other name 1</legend>".to_string(),
            "<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--s\">Other name 2 (optional)</legend>".to_string(),
        ] {
            assert!(edit.text.contains(&text), "{text} missing: {}", edit.text);
        }
        let history = sam.get(&format!("/people/{id}/history")).await;
        assert!(history.text.contains(&format!(
            "<span class=\"govuk-caption-l\">Ruby Marsh, record {id}</span>"
        )));
        assert!(history.text.contains("govuk-back-link"));
        let new = sam.get("/people/new").await;
        assert!(new
            .text
            .contains("<a href=\"&#x2f;people&#x2f;search\" class=\"govuk-back-link\">Back</a>"));
    }
);

on_both_databases!(
    whether_an_interpreter_is_needed_is_yes_no_or_not_known,
    |app| {
        let mut sam = app.signed_in(PRACTITIONER).await;
        let token = sam.create_token("Case system").await;
        let mut api = app.client();
        let person = |given: &str, interpreter: serde_json::Value| {
            let born = format!("20{}-01-09", 10 + given.len());
            json!({"person": {"given_name": given, "family_name": format!("Okonjo{given}"), "date_of_birth": born,
                "interpreter_needed": interpreter}})
        };
        let maybe = api
            .api_json(
                Method::POST,
                "/api/v1/people",
                &token,
                &person("Ada", json!("maybe")),
            )
            .await;
        assert_eq!(maybe.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(maybe.text.contains("interpreter_needed"), "{}", maybe.text);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM people WHERE family_name LIKE 'Okonjo%'")
                .await,
            0
        );
        for (given, sent, stored, shown) in [
            ("Ada", json!("no"), "no", "No"),
            ("Bo", json!(true), "yes", "Yes"),
            ("Cyrus", json!(null), "not_known", "Not known"),
        ] {
            let created = api
                .api_json(Method::POST, "/api/v1/people", &token, &person(given, sent))
                .await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
            assert_eq!(created.json()["interpreter_needed"], stored, "{given}");
            let page = sam.get(&format!("/people/{}", created.json()["id"])).await;
            let row = page
                .text
                .split("Needs an interpreter or signer")
                .nth(1)
                .expect("the row is shown");
            assert!(
                row[..row.find("</dd>").unwrap()].ends_with(&format!(">{shown}")),
                "{given}: {shown} in {}",
                &row[..200]
            );
            let form = sam
                .get(&format!("/people/{}/edit", created.json()["id"]))
                .await;
            assert!(
                form.text.contains(&format!("value=\"{stored}\" checked")),
                "{given}: the radio for {stored} is chosen"
            );
        }
    }
);
