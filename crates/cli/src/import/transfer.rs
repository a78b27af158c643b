//! `ecaf import caf FILE.json --as EMAIL`: start a draft CAF here from one whole CAF another
//! system exported as an `ecaf.caf/1` document (docs/TRANSFER.md), as the API's import does,
//! received by the named user (its assessor; their agency owns it).
use crate::{DatabaseArgs, InputError};
use anyhow::Context;
use clap::Args;
use ecaf_domain::access::{authorise, StartCaf};
use ecaf_domain::caf::transfer::{read_caf, CONSENT_AGAIN};
use ecaf_store::{Attribution, StoreError};
use std::path::PathBuf;

#[derive(Args)]
pub struct CafArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The document (UTF-8 JSON), with the family's `agreement` to a CAF here added.
    file: PathBuf,
    /// The email of the user who receives it: they become its assessor, and their agency owns it.
    #[arg(long = "as", value_name = "EMAIL")]
    receiver: String,
}

pub async fn run(args: CafArgs) -> anyhow::Result<()> {
    let file = args.file.display().to_string();
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("could not read {file}"))?;
    let document: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| InputError(format!("{file} is not JSON: {e}")))?;
    let store = args.db.open().await?;
    let user = store
        .credentials(&args.receiver)
        .await?
        .map(|c| c.user)
        .filter(|u| u.active)
        .ok_or_else(|| InputError(format!("There is no active user {}", args.receiver)))?;
    let actor = user.actor();
    let grant = authorise::<StartCaf>(&actor)
        .map_err(|e| InputError(format!("{} cannot receive a CAF: {e}", args.receiver)))?;
    let received = read_caf(&document, store.clock().now().date_naive()).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| {
                format!(
                    "  {}: {}",
                    if p.field.is_empty() {
                        "(document)"
                    } else {
                        &p.field
                    },
                    p.message
                )
            })
            .collect();
        InputError(format!("{file} was not imported:\n{}", lines.join("\n")))
    })?;
    let by = Attribution {
        user_id: Some(user.id),
        actor_email: Some(format!("{} (ecaf import caf, command line)", user.email)),
        ..Attribution::default()
    };
    let made = store
        .receive_caf(&grant, &actor, &by, &received)
        .await
        .map_err(|e| match e {
            StoreError::Refused(why) => {
                anyhow::Error::new(InputError(format!("{file} was not imported: {why}")))
            }
            other => other.into(),
        })?;
    println!(
        "Received {} from {} as {}, a draft owned by {}'s agency.",
        received.reference, received.sender, made.reference, user.name
    );
    for child in &made.children {
        println!(
            "  {} (register record {}): {}",
            child.name,
            child.person_id,
            if child.matched {
                "found on the register"
            } else {
                "added to the register"
            }
        );
    }
    println!("{CONSENT_AGAIN}");
    store.close().await;
    Ok(())
}
