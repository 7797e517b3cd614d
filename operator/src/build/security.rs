//! The restricted Pod Security Standard, at pod and container level.

use k8s_openapi::api::core::v1::{
    Capabilities, PodSecurityContext, SeccompProfile, SecurityContext,
};

/// The numeric user and group a container runs as: numeric, so `runAsNonRoot` can verify it.
#[derive(Clone, Copy, Debug)]
pub(super) struct RunAs {
    pub user: i64,
    pub group: i64,
}

/// The services' distroless `nonroot` user (the Dockerfile's `USER 65532:65532`).
pub(super) const SERVICE: RunAs = RunAs {
    user: 65532,
    group: 65532,
};

fn runtime_default() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".to_owned(),
        ..SeccompProfile::default()
    }
}

/// Pod level: non-root, the runtime's seccomp profile, and volumes owned by the group.
pub(super) fn pod(run_as: RunAs) -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(run_as.user),
        run_as_group: Some(run_as.group),
        fs_group: Some(run_as.group),
        seccomp_profile: Some(runtime_default()),
        ..PodSecurityContext::default()
    }
}

/// Container level: no privilege escalation, every capability dropped, and a read-only root
/// filesystem unless the image must write its own configuration at start.
pub(super) fn container(run_as: RunAs, read_only_root_filesystem: bool) -> SecurityContext {
    SecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(run_as.user),
        run_as_group: Some(run_as.group),
        read_only_root_filesystem: Some(read_only_root_filesystem),
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_owned()]),
            ..Capabilities::default()
        }),
        seccomp_profile: Some(runtime_default()),
        ..SecurityContext::default()
    }
}
