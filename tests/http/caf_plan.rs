//! The SMART action plan on both databases: actions added on the page and over the API, each
//! missing or vague part refused on its own field with nothing saved; an owner in the team
//! around the family updates their own action but not another's, and someone with no part in
//! it is refused; an agency the family's consent does not name is refused, pointing to
//! consent; overdue actions are tagged and more than six prompt a question; agreeing the plan
//! moves the CAF to "plan in place" with its review date, never past 13 weeks.
use super::caf_pages::{child_and_outsider, complete_sections, start, OUTSIDER};
use axum::http::{Method, StatusCode};
use ecaf_tests::{
    on_both_databases, problem_fields, with_token, Client, Reply, TestApp, ADMIN, EARLY_HELP,
    PRACTITIONER,
};
use serde_json::{json, Value};

const ACTIONS: &str = "SELECT COUNT(*) FROM caf_actions";

/// Sam's CAF for the child, every required section complete and signed off.
pub(crate) async fn signed_off(sam: &mut Client, child: i64) -> i64 {
    let caf = start(sam, child).await;
    complete_sections(sam, caf, child).await;
    let check = sam.get(&format!("/cafs/{caf}/sign-off")).await;
    let revision = hidden(&check, "revision");
    let signed = sam
        .post(
            &format!("/cafs/{caf}/sign-off"),
            &[("revision", revision.as_str())],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text);
    caf
}

fn hidden(page: &Reply, name: &str) -> String {
    page.text
        .split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no hidden {name}"))
        .to_string()
}

/// Record the family's consent to share with `agencies`, on the page.
pub(crate) async fn consent(sam: &mut Client, caf: i64, agencies: &[i64]) -> Reply {
    sam.get(&format!("/cafs/{caf}/consent")).await;
    let agencies: Vec<String> = agencies.iter().map(|a| a.to_string()).collect();
    let mut fields = vec![
        ("parent1_name", "Laura Hughes"),
        ("given_on-day", "24"),
        ("given_on-month", "11"),
        ("given_on-year", "2026"),
        ("signed_copy_kept", "School safeguarding file"),
    ];
    fields.extend(agencies.iter().map(|a| ("agencies", a.as_str())));
    sam.post(&format!("/cafs/{caf}/consent"), &fields).await
}

/// Put a user in the team around the family, as the team pages will.
async fn join_team(
    app: &TestApp,
    caf: i64,
    user: i64,
    name: &str,
    agency: i64,
    agency_name: &str,
) -> i64 {
    sqlx::query(
        "INSERT INTO caf_team_members (caf_id, user_id, name, agency_id, agency_name, role, joined_on) \
         VALUES ($1, $2, $3, $4, $5, 'Key worker', '2026-11-24')",
    )
    .bind(caf)
    .bind(user)
    .bind(name)
    .bind(agency)
    .bind(agency_name)
    .execute(app.store.pool())
    .await
    .unwrap();
    app.count(&format!(
        "SELECT MAX(id) FROM caf_team_members WHERE caf_id = {caf}"
    ))
    .await
}

/// An action's fields on the page, due on `day` `month` (2026 or later).
fn action_form<'a>(
    what: &'a str,
    owner: &'a str,
    day: &'a str,
    month: &'a str,
    year: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("what", what),
        ("owner", owner),
        ("due_on-day", day),
        ("due_on-month", month),
        ("due_on-year", year),
        ("outcome", "Amelia is at school on time every day"),
    ]
}

fn an_action(owner: Value, due_on: &str) -> Value {
    json!({
        "what": "Meet Laura weekly to set up a morning routine",
        "owner": owner,
        "due_on": due_on,
        "outcome": "Amelia is at school on time every day",
    })
}

on_both_databases!(
    owners_update_their_own_actions_and_consent_must_name_their_agency,
    |app| {
        let child = child_and_outsider(&app).await;
        let brookford = app
            .count("SELECT id FROM agencies WHERE name = 'Brookford Youth Service'")
            .await;
        let nia_id = app
            .count(&format!("SELECT id FROM users WHERE email = '{OUTSIDER}'"))
            .await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = signed_off(&mut sam, child).await;
        let recorded = consent(&mut sam, caf, &[app.agency_id]).await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text);
        let nia_member = join_team(
            &app,
            caf,
            nia_id,
            "Nia Elsewhere",
            brookford,
            "Brookford Youth Service",
        )
        .await;
        let eve_member = join_team(
            &app,
            caf,
            app.early_help_id,
            "Eve Early-Help",
            app.agency_id,
            "Test School",
        )
        .await;

        let tasks = sam.get(&format!("/cafs/{caf}")).await;
        assert!(
            tasks.text.contains(&format!("href=\"/cafs/{caf}/plan\"")),
            "the task list links to the plan"
        );
        let new = format!("/cafs/{caf}/plan/actions/new");
        let form = sam.get(&new).await;
        assert!(
            form.text
                .contains("Nia Elsewhere (Key worker, Brookford Youth Service)"),
            "the team are offered as owners"
        );
        assert!(form.text.contains("Amelia Hughes (the child)"));
        let nia_owner = format!("member-{nia_member}");
        let refused = sam
            .post(
                &new,
                &action_form(
                    "Run a weekly youth club session with Amelia",
                    &nia_owner,
                    "1",
                    "12",
                    "2026",
                ),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.text
        );
        assert!(
            refused.text.contains(&format!(
                "href=\"&#x2f;cafs&#x2f;{caf}&#x2f;consent?agency={brookford}\""
            )),
            "the error summary links to consent: {}",
            refused.text
        );
        assert!(
            refused
                .text
                .contains("Update the family&#x27;s consent to share first")
                || refused
                    .text
                    .contains("Update the family's consent to share first"),
            "{}",
            refused.text
        );
        assert!(
            refused
                .text
                .contains("Run a weekly youth club session with Amelia"),
            "the typing is kept"
        );
        assert_eq!(app.count(ACTIONS).await, 0, "nothing added");

        let ticked = sam
            .get(&format!("/cafs/{caf}/consent?agency={brookford}"))
            .await;
        assert!(
            ticked
                .text
                .contains(&format!("value=\"{brookford}\" checked")),
            "the consent form arrives with the agency ticked"
        );
        let renewed = consent(&mut sam, caf, &[app.agency_id, brookford]).await;
        assert_eq!(renewed.status, StatusCode::SEE_OTHER, "{}", renewed.text);
        let added = sam
            .post(
                &new,
                &action_form(
                    "Run a weekly youth club session with Amelia",
                    &nia_owner,
                    "1",
                    "12",
                    "2026",
                ),
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
        assert_eq!(
            added.header("location"),
            format!("/cafs/{caf}/plan?done=added")
        );
        let eve_owner = format!("member-{eve_member}");
        sam.get(&new).await;
        let second = sam
            .post(
                &new,
                &action_form(
                    "Check Amelia's attendance each Friday",
                    &eve_owner,
                    "2",
                    "12",
                    "2026",
                ),
            )
            .await;
        assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.text);
        let nia_action = app
            .count(&format!(
                "SELECT id FROM caf_actions WHERE owner_member_id = {nia_member}"
            ))
            .await;
        let eve_action = app
            .count(&format!(
                "SELECT id FROM caf_actions WHERE owner_member_id = {eve_member}"
            ))
            .await;

        // Brookford has an action now: consent that leaves it out is refused.
        let form = sam.get(&format!("/cafs/{caf}/consent")).await;
        assert!(form
            .text
            .contains("Brookford Youth Service (has an action on the plan)"));
        assert!(form
            .text
            .contains(&format!("value=\"{brookford}\" checked")));
        let narrowed = consent(&mut sam, caf, &[app.agency_id]).await;
        assert_eq!(
            narrowed.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            narrowed.text
        );
        assert!(
            narrowed
                .text
                .contains("every agency with an action on the plan: add Brookford Youth Service"),
            "{}",
            narrowed.text
        );

        // The assessor does not update another agency's member's action for them.
        let theirs = format!("/cafs/{caf}/plan/actions/{nia_action}");
        let form = sam.get(&theirs).await;
        let revision = hidden(&form, "revision");
        let for_them = sam
            .post(&theirs, &[("status", "done"), ("revision", &revision)])
            .await;
        assert_eq!(
            for_them.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            for_them.text
        );
        assert!(
            for_them.text.contains("it belongs to another agency"),
            "{}",
            for_them.text
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM caf_actions WHERE id = {nia_action} AND status = 'done'"
            ))
            .await,
            0
        );

        // Nia only reads the CAF, but updates her own action.
        let mut nia = app.signed_in(OUTSIDER).await;
        let plan = nia.get(&format!("/cafs/{caf}/plan")).await;
        assert_eq!(plan.status, StatusCode::OK);
        assert!(
            plan.text
                .contains(&format!("/cafs/{caf}/plan/actions/{nia_action}\"")),
            "her action has an update link"
        );
        assert!(
            !plan
                .text
                .contains(&format!("/cafs/{caf}/plan/actions/{eve_action}\"")),
            "another's has none"
        );
        assert!(
            !plan.text.contains("Add an action"),
            "a reader adds no actions"
        );
        let own = format!("/cafs/{caf}/plan/actions/{nia_action}");
        let page = nia.get(&own).await;
        let revision = hidden(&page, "revision");
        let no_reason = nia
            .post(
                &own,
                &[
                    ("status", "not_done"),
                    ("reason", " "),
                    ("revision", &revision),
                ],
            )
            .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason.text.contains("<title>Error:"));
        assert!(no_reason.text.contains("Say why it was not done"));
        let updated = nia
            .post(&own, &[("status", "in_progress"), ("revision", &revision)])
            .await;
        assert_eq!(updated.status, StatusCode::SEE_OTHER, "{}", updated.text);
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM caf_actions WHERE id = {nia_action} AND status = 'in_progress' AND revision = 2")).await,
            1
        );
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM caf_events WHERE caf_id = {caf} AND kind = 'plan.action_status' AND user_id = {nia_id}")).await,
            1,
            "a dated event in the CAF's history"
        );
        // A stale save keeps her choice and says who changed it.
        let stale = nia
            .post(
                &own,
                &[
                    ("status", "not_done"),
                    ("reason", "Amelia did not want to go"),
                    ("revision", &revision),
                ],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
        assert!(
            stale.text.contains("Amelia did not want to go"),
            "the typing is kept"
        );
        assert!(stale.text.contains("changed by Nia Elsewhere"));

        let theirs = format!("/cafs/{caf}/plan/actions/{eve_action}");
        nia.get(&theirs).await;
        let not_hers = nia
            .post(&theirs, &[("status", "done"), ("revision", "1")])
            .await;
        assert_eq!(not_hers.status, StatusCode::FORBIDDEN, "{}", not_hers.text);
        let (mut nia_api, nia_token) = with_token(&app, OUTSIDER).await;
        let over_api = nia_api
            .api_json(
                Method::PUT,
                &format!("/api/v1/cafs/{caf}/actions/{eve_action}"),
                &nia_token,
                &json!({"status": "done", "revision": 1}),
            )
            .await;
        assert_eq!(over_api.status, StatusCode::FORBIDDEN, "{}", over_api.text);
        // Eve owns hers and updates it over the API.
        let (mut eve_api, eve_token) = with_token(&app, EARLY_HELP).await;
        let hers = eve_api
            .api_json(
                Method::PUT,
                &format!("/api/v1/cafs/{caf}/actions/{eve_action}"),
                &eve_token,
                &json!({"status": "done", "revision": 1}),
            )
            .await;
        assert_eq!(hers.status, StatusCode::OK, "{}", hers.text);
        assert_eq!(hers.json()["revision"], 2);

        // Someone with no part in the CAF sees nothing of it.
        let mut admin = app.signed_in(ADMIN).await;
        let outsider = admin
            .post(&own, &[("status", "done"), ("revision", "2")])
            .await;
        assert_eq!(outsider.status, StatusCode::FORBIDDEN);
        // Once Nia leaves the team her agency still reads the CAF, but her old action is no
        // longer hers to update: refused, audited, and nothing changes.
        sqlx::query("UPDATE caf_team_members SET left_on = '2026-11-25' WHERE id = $1")
            .bind(nia_member)
            .execute(app.store.pool())
            .await
            .unwrap();
        let refusals = "SELECT COUNT(*) FROM audit_events WHERE action = 'caf.refused'";
        let before = app.count(refusals).await;
        nia.get(&own).await;
        let left = nia
            .post(&own, &[("status", "done"), ("revision", "2")])
            .await;
        assert_eq!(left.status, StatusCode::FORBIDDEN, "{}", left.text);
        assert_eq!(app.count(refusals).await, before + 1);
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM caf_actions WHERE id = {nia_action} AND status = 'in_progress'")).await,
            1
        );
    }
);

on_both_databases!(
    a_new_action_names_each_missing_part_and_keeps_the_typing,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = signed_off(&mut sam, child).await;
        let new = format!("/cafs/{caf}/plan/actions/new");
        sam.get(&new).await;
        let empty = sam.post(&new, &[("what", ""), ("outcome", "")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text.contains("<title>Error:"));
        for message in [
            "Enter what will be done",
            "Select who will do it",
            "Enter the date it will be done by",
            "Enter the outcome it aims at",
        ] {
            assert!(empty.text.contains(message), "{message}");
        }
        assert!(
            empty.text.contains("href=\"#due_on-day\""),
            "the summary links to the date"
        );
        let vague = sam
            .post(
                &new,
                &action_form("Refer to CAMHS", "parent", "20", "11", "2026"),
            )
            .await;
        assert_eq!(vague.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(vague.text.contains("Say what will actually be done"));
        assert!(vague.text.contains("Enter the name of the parent or carer"));
        assert!(
            vague.text.contains("must be today or in the future"),
            "a date in the past"
        );
        assert!(
            vague.text.contains(">Refer to CAMHS</textarea>"),
            "the typing is kept"
        );
        let unreal = sam
            .post(
                &new,
                &action_form(
                    "Meet Laura weekly",
                    &format!("child-{child}"),
                    "31",
                    "2",
                    "2027",
                ),
            )
            .await;
        assert!(unreal.text.contains("must be a real date"));
        assert_eq!(app.count(ACTIONS).await, 0, "nothing added");

        let mut fields = action_form(
            "Meet Laura weekly to set up a morning routine",
            "parent",
            "9",
            "12",
            "2026",
        );
        fields.push(("owner_name", "Laura Hughes"));
        fields.push(("waiting_list", "Parenting group: about 8 weeks"));
        let added = sam.post(&new, &fields).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
        let plan = sam.get(added.header("location")).await;
        assert!(plan.text.contains("The action has been added to the plan"));
        assert!(plan.text.contains("Laura Hughes (parent or carer)"));
        assert!(plan
            .text
            .contains("Waiting list: Parenting group: about 8 weeks"));
        assert!(
            plan.text.contains("data-label=\"By when\""),
            "the table stacks on a phone"
        );
        assert!(plan.text.contains("9 December 2026"));
    }
);

on_both_databases!(
    the_plan_over_the_api_is_checked_field_by_field_and_agreed_with_its_review,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = signed_off(&mut sam, child).await;
        let (mut api, token) = with_token(&app, PRACTITIONER).await;
        let path = format!("/api/v1/cafs/{caf}/actions");
        let child_owner = json!({"kind": "child", "person_id": child});
        let mut no_owner = an_action(Value::Null, "2026-12-01");
        no_owner.as_object_mut().unwrap().remove("owner");
        for (body, field) in [
            (no_owner, "owner"),
            (
                an_action(child_owner.clone(), "2026-12-01")
                    .as_object()
                    .unwrap()
                    .clone()
                    .into_iter()
                    .filter(|(k, _)| k != "due_on")
                    .collect::<serde_json::Map<_, _>>()
                    .into(),
                "due_on",
            ),
            (an_action(child_owner.clone(), "2026-11-24"), "due_on"),
            (
                json!({"what": "refer to school nurse", "owner": child_owner, "due_on": "2026-12-01", "outcome": "Seen"}),
                "what",
            ),
            (
                an_action(
                    json!({"kind": "child", "person_id": child + 1000}),
                    "2026-12-01",
                ),
                "owner",
            ),
            (
                an_action(
                    json!({"kind": "team_member", "member_id": 999}),
                    "2026-12-01",
                ),
                "owner",
            ),
        ] {
            let reply = api.api_json(Method::POST, &path, &token, &body).await;
            assert_eq!(problem_fields(&reply), [field], "{body}");
        }
        assert_eq!(app.count(ACTIONS).await, 0, "nothing added");

        // Agreeing needs an action.
        let agree = format!("/api/v1/cafs/{caf}/plan/agree");
        let shown = api.api_get(&path, &token).await;
        let revision = shown.json()["revision"].as_i64().unwrap();
        let empty = api
            .api_json(
                Method::POST,
                &agree,
                &token,
                &json!({"review_on": "2027-01-06", "revision": revision}),
            )
            .await;
        assert_eq!(problem_fields(&empty), ["revision"]);
        assert!(empty.text.contains("at least one action"));

        let added = api
            .api_json(
                Method::POST,
                &path,
                &token,
                &an_action(child_owner.clone(), "2026-12-01"),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
        let action = added.json()["id"].as_i64().unwrap();
        let parent = api
            .api_json(
                Method::POST,
                &path,
                &token,
                &an_action(
                    json!({"kind": "parent_or_carer", "name": "Laura Hughes"}),
                    "2026-12-08",
                ),
            )
            .await;
        assert_eq!(parent.status, StatusCode::CREATED, "{}", parent.text);

        let update = format!("/api/v1/cafs/{caf}/actions/{action}");
        let unreasoned = api
            .api_json(
                Method::PUT,
                &update,
                &token,
                &json!({"status": "not_done", "revision": 1}),
            )
            .await;
        assert_eq!(problem_fields(&unreasoned), ["reason"]);
        let unknown = api
            .api_json(
                Method::PUT,
                &update,
                &token,
                &json!({"status": "cancelled", "revision": 1}),
            )
            .await;
        assert_eq!(problem_fields(&unknown), ["status"]);
        let done = api
            .api_json(
                Method::PUT,
                &update,
                &token,
                &json!({"status": "not_done", "reason": "Amelia was unwell", "revision": 1}),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        let stale = api
            .api_json(
                Method::PUT,
                &update,
                &token,
                &json!({"status": "done", "revision": 1}),
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);

        let listed = api.api_get(&path, &token).await.json();
        assert_eq!(listed["actions"].as_array().unwrap().len(), 2);
        assert_eq!(listed["actions"][0]["status"], "not_done");
        assert_eq!(listed["actions"][0]["not_done_reason"], "Amelia was unwell");
        assert_eq!(
            listed["actions"][1]["owner_label"],
            "Laura Hughes (parent or carer)"
        );
        assert_eq!(listed["state"], "assessment_signed_off");

        for (review_on, why) in [
            ("2026-11-25", "after"),
            ("2027-02-25", "no later than 24 February 2027"),
        ] {
            let refused = api
                .api_json(
                    Method::POST,
                    &agree,
                    &token,
                    &json!({"review_on": review_on, "revision": revision}),
                )
                .await;
            assert_eq!(problem_fields(&refused), ["review_on"]);
            assert!(refused.text.contains(why), "{}", refused.text);
        }
        let agreed = api
            .api_json(
                Method::POST,
                &agree,
                &token,
                &json!({"review_on": "2027-02-24", "revision": revision}),
            )
            .await;
        assert_eq!(agreed.status, StatusCode::OK, "{}", agreed.text);
        assert_eq!(agreed.json()["state"], "plan_in_place");
        let after = api.api_get(&path, &token).await.json();
        assert_eq!(after["state"], "plan_in_place");
        assert_eq!(after["next_review_on"], "2027-02-24");
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM caf_events WHERE caf_id = {caf} AND kind = 'plan.agreed' AND significant = 1")).await,
            1
        );
        let again = api
            .api_json(
                Method::POST,
                &agree,
                &token,
                &json!({"review_on": "2027-01-06", "revision": after["revision"]}),
            )
            .await;
        assert!(
            again.text.contains("a plan is already in place"),
            "{}",
            again.text
        );
        let chronology = sam.get(&format!("/people/{child}/chronology")).await;
        assert!(chronology
            .text
            .contains("Action plan agreed with 2 actions; review by 24 February 2027"));
    }
);

on_both_databases!(
    overdue_actions_stand_out_and_many_prompt_a_question_then_the_plan_is_agreed_on_its_page,
    |app| {
        let child = child_and_outsider(&app).await;
        let mut sam = app.signed_in(PRACTITIONER).await;
        let caf = signed_off(&mut sam, child).await;
        let (mut api, token) = with_token(&app, PRACTITIONER).await;
        let path = format!("/api/v1/cafs/{caf}/actions");
        for day in 0..7 {
            let due = format!("2026-11-{}", 26 + day % 3);
            let added = api
                .api_json(
                    Method::POST,
                    &path,
                    &token,
                    &an_action(json!({"kind": "child", "person_id": child}), &due),
                )
                .await;
            assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
        }
        let plan = format!("/cafs/{caf}/plan");
        let before = sam.get(&plan).await;
        assert!(!before.text.contains(">Overdue<"));
        assert!(before
            .text
            .contains("Is this too much for the family at once?"));

        // Three days on, the actions due on 26 and 27 November are overdue, unless done.
        app.clock.advance(chrono::Duration::days(3));
        let first = app
            .count(&format!(
                "SELECT MIN(id) FROM caf_actions WHERE caf_id = {caf}"
            ))
            .await;
        let done = api
            .api_json(
                Method::PUT,
                &format!("{path}/{first}"),
                &token,
                &json!({"status": "done", "revision": 1}),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text);
        // The session ended in those days.
        let mut sam = app.signed_in(PRACTITIONER).await;
        let later = sam.get(&plan).await;
        assert_eq!(
            later.text.matches("govuk-tag--red\">Overdue<").count(),
            4,
            "{}",
            later.text
        );
        let listed = api.api_get(&path, &token).await.json();
        assert_eq!(
            listed["actions"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["overdue"] == true)
                .count(),
            4
        );
        assert_eq!(listed["too_many"], true);

        // Agreeing on the page: 6 weeks on is proposed; past 13 weeks is refused.
        assert!(later
            .text
            .contains(&format!("href=\"/cafs/{caf}/plan/agree\"")));
        let agree = format!("/cafs/{caf}/plan/agree");
        let form = sam.get(&agree).await;
        assert!(
            form.text
                .contains("name=\"review_on-day\" type=\"text\" inputmode=\"numeric\" value=\"9\""),
            "28 November + 6 weeks is 9 January"
        );
        assert!(form.text.contains("value=\"2027\""));
        let revision = hidden(&form, "revision");
        let too_late = sam
            .post(
                &agree,
                &[
                    ("review_on-day", "1"),
                    ("review_on-month", "3"),
                    ("review_on-year", "2027"),
                    ("revision", &revision),
                ],
            )
            .await;
        assert_eq!(too_late.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(too_late.text.contains("<title>Error:"));
        assert!(
            too_late
                .text
                .contains("must be no later than 27 February 2027"),
            "{}",
            too_late.text
        );
        assert!(too_late.text.contains("value=\"3\""), "the typing is kept");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM cafs WHERE id = {caf} AND state = 'assessment_signed_off' AND next_review_on IS NULL")).await, 1);
        let agreed = sam
            .post(
                &agree,
                &[
                    ("review_on-day", "9"),
                    ("review_on-month", "1"),
                    ("review_on-year", "2027"),
                    ("revision", &revision),
                ],
            )
            .await;
        assert_eq!(agreed.status, StatusCode::SEE_OTHER, "{}", agreed.text);
        let shown = sam.get(agreed.header("location")).await;
        assert!(shown.text.contains("The plan has been agreed"));
        assert!(shown
            .text
            .contains("The next review is due by <strong>9 January 2027</strong>"));
        assert!(shown.text.contains("Plan in place"));
        assert!(
            !shown
                .text
                .contains(&format!("href=\"/cafs/{caf}/plan/agree\"")),
            "agreed once"
        );
    }
);
