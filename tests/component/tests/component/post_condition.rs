//! Post-condition: did the migration do what was asked?

use crate::harness::*;
use wasm_action_host::{ActionError, Phase, PhaseOutput};

#[tokio::test]
async fn passes_after_a_successful_migration() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    let params = cold(&id, "compute1", Some("compute2"));
    details(cloud.run(Phase::Execute, &params).await);
    assert!(matches!(
        cloud.run(Phase::PostCondition, &params).await,
        Ok(PhaseOutput::Done)
    ));
}

#[tokio::test]
async fn fails_when_the_server_is_still_on_the_source() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    let error = error(
        cloud
            .run(
                Phase::PostCondition,
                &cold(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    let ActionError::Conflict(problem) = error else {
        panic!("expected conflict, got {error:?}")
    };
    assert!(problem.message.contains("compute1"), "{}", problem.message);
}
