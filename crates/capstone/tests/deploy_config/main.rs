//! Cross-checks of the deployment artifacts against the code: compose.yaml,
//! the Kubernetes manifests (k8s/base and each overlay) and the Dockerfile
//! say which variables, ports, paths and programs the services get; the code
//! says which ones they read, listen on, serve and are built as. Nothing
//! runs a container here: these read the files and ask the code (settings
//! types, routes, `cargo metadata`), so a rename on one side fails a test
//! instead of a deploy. One program does run: nginx (`edge_paths`), the
//! real edge software, on the edges' own path rules. Explained in docs/src/devops-ci-cd.md,
//! "Cross-checks: the artifacts against the code".
//!
//! | module | role |
//! |---|---|
//! | [`files`] | where the artifacts are; YAML with merge keys applied |
//! | [`interpolation`] | compose's `${VARIABLE:-default}`, every variable unset |
//! | [`settings`] | the programs of the image, and which variables each reads |
//! | [`routes`] | the health and metrics paths the code serves |
//! | [`container`] | one container as an artifact describes it: command and environment |
//! | [`compose`] | compose.yaml's containers; its ports and Prometheus' targets |
//! | [`kustomize`] | the ConfigMaps an overlay generates, the patches it applies |
//! | [`kubernetes`] | each overlay's workloads: command, environment, pod template |
//! | [`kubernetes_ports`] | their containerPort, probes, scrape annotations, the users Service |
//! | [`environment`] | every variable is read, every needed setting is set |
//! | [`dockerfile`] | the binaries the image holds, and every command names one |
//! | [`pinning`] | actions pinned by commit SHA, and Dependabot over every pinned file |
//! | [`image_pins`] | third-party images pinned by tag and digest, copies kept equal |
//! | [`edge_paths`] | a real nginx with each edge's rules refuses ambiguous path spellings |
//! | [`nginx`] | a private nginx instance and a stand-in gateway, for `edge_paths` |
//! | [`trusted_proxies`] | whose X-Forwarded-For each overlay believes, tied to Terraform |
//! | [`link_sealing`] | users and worker share the link-sealing keys: lists, mounts, each overlay's Secret, Terraform |
//! | [`terraform`] | the few facts these read from .tf files |

mod compose;
mod container;
mod dockerfile;
mod edge_paths;
mod environment;
mod files;
mod image_pins;
mod interpolation;
mod kubernetes;
mod kubernetes_ports;
mod kustomize;
// fork:begin(terraform)
mod link_sealing;
// fork:end(terraform)
mod nginx;
mod pinning;
mod routes;
mod settings;
// fork:begin(terraform)
mod terraform;
mod trusted_proxies;
// fork:end(terraform)
