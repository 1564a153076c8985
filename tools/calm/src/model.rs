//! A typed model of the part of a CALM 1.2 architecture document this workshop uses.
//!
//! The shapes follow the official meta-schemas (`core.json`, `interface.json`, `flow.json` of
//! CALM 1.2). Two rules carry the schema's strictness over into Rust:
//! - where the schema says `"additionalProperties": false`, the struct has
//!   `#[serde(deny_unknown_fields)]`, so a misspelt key is an error, not a silently ignored field;
//! - where the schema has an `enum`, Rust has an enum, so `"protocol": "HTTP/2"` does not parse.
//!
//! Controls (`control.json`) are read on the document, its nodes, relationships and flows, so
//! that a fitness test can hold each control's `config` to the code. Everything we do not use
//! (decorators, timelines) is left out; a document that uses them is refused by the closed
//! objects below rather than half-read.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

/// The `$schema` every document of this workshop declares.
pub const CALM_1_2_SCHEMA: &str = "https://calm.finos.org/release/1.2/meta/calm.json";

/// A whole architecture document: `calm-specs/NN-phase.architecture.json`.
///
/// `core.json` means the top level to be closed, but it spells `"additionalProperties": false`
/// *inside* `properties`, where JSON Schema reads it as a property name. We follow the intent.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Architecture {
    #[serde(rename = "$schema")]
    pub schema: String,
    #[serde(default)]
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub relationships: Vec<Relationship>,
    #[serde(default)]
    pub flows: Vec<Flow>,
    /// Links to the decision records behind the whole document.
    #[serde(default)]
    pub adrs: Vec<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    /// Promises that hold for the whole architecture (the error format, say).
    #[serde(default)]
    pub controls: Controls,
}

/// `control.json#/defs/controls`: control ids (`rate-limit`) and what each requires.
pub type Controls = BTreeMap<String, Control>;

/// One control: what it promises, and the requirements it meets with which configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Control {
    pub description: String,
    pub requirements: Vec<ControlRequirement>,
}

/// `control.json#/defs/control-detail`: a requirement page and either an inline `config` or a
/// `config-url`. This workshop writes the config inline, so a test can compare it with the code.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ControlRequirement {
    pub requirement_url: String,
    #[serde(default)]
    pub config: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub config_url: Option<String>,
}

/// A box in the diagram: an actor, a service, a database...
/// The schema leaves nodes open (`additionalProperties: true`), so unknown keys are ignored.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Node {
    pub unique_id: String,
    pub node_type: NodeType,
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub details: Option<Details>,
    #[serde(default)]
    pub interfaces: Vec<Interface>,
    #[serde(default)]
    pub controls: Controls,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// CALM lists well-known node types but also accepts any other string (`anyOf: [enum, string]`),
/// hence the `Other` variant.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum NodeType {
    Actor,
    Ecosystem,
    System,
    Service,
    Database,
    Network,
    Ldap,
    Webclient,
    DataAsset,
    Other(String),
}

impl From<String> for NodeType {
    fn from(value: String) -> Self {
        match value.as_str() {
            "actor" => Self::Actor,
            "ecosystem" => Self::Ecosystem,
            "system" => Self::System,
            "service" => Self::Service,
            "database" => Self::Database,
            "network" => Self::Network,
            "ldap" => Self::Ldap,
            "webclient" => Self::Webclient,
            "data-asset" => Self::DataAsset,
            _ => Self::Other(value),
        }
    }
}

impl fmt::Display for NodeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Actor => "actor",
            Self::Ecosystem => "ecosystem",
            Self::System => "system",
            Self::Service => "service",
            Self::Database => "database",
            Self::Network => "network",
            Self::Ldap => "ldap",
            Self::Webclient => "webclient",
            Self::DataAsset => "data-asset",
            Self::Other(other) => other,
        })
    }
}

/// `node.details`: closed in the schema.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Details {
    pub detailed_architecture: Option<String>,
    pub required_pattern: Option<String>,
}

/// One way to reach a node. The schema accepts either a closed "interface definition" that points
/// at an external schema, or an open object with a `unique-id` (we use `host` and `port`).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Interface {
    Definition(InterfaceDefinition),
    HostPort(HostPortInterface),
}

impl Interface {
    pub fn unique_id(&self) -> &str {
        match self {
            Self::Definition(definition) => &definition.unique_id,
            Self::HostPort(host_port) => &host_port.unique_id,
        }
    }

    /// `host` and `port`, when this interface says where the node listens.
    pub fn host_port(&self) -> Option<(&str, u16)> {
        match self {
            Self::HostPort(HostPortInterface {
                host: Some(host),
                port: Some(port),
                ..
            }) => Some((host, *port)),
            _ => None,
        }
    }
}

/// `interface.json#/defs/interface-definition`: closed in the schema.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct InterfaceDefinition {
    pub unique_id: String,
    pub definition_url: String,
    pub config: serde_json::Map<String, serde_json::Value>,
}

/// `interface.json#/defs/interface-type` as we use it: where a node listens inside the
/// docker compose network (the compose service name and the container port).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct HostPortInterface {
    pub unique_id: String,
    pub host: Option<String>,
    pub port: Option<u16>,
}

/// An arrow in the diagram. Open in the schema, apart from the typed keys below.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Relationship {
    pub unique_id: String,
    #[serde(default)]
    pub description: Option<String>,
    pub relationship_type: RelationshipType,
    #[serde(default)]
    pub protocol: Option<Protocol>,
    #[serde(default)]
    pub controls: Controls,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// Exactly one of these keys (`oneOf` in the schema), which is what serde's externally tagged
/// enum reads: `{"connects": {...}}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelationshipType {
    /// An actor uses some nodes.
    Interacts(Interacts),
    /// One node talks to another over the network.
    Connects(Connects),
    /// Nodes run inside a container node (a cluster, a host).
    DeployedIn(Containment),
    /// A node is made of other nodes (a system of services, a service of modules).
    ComposedOf(Containment),
    /// Alternatives to choose between (used by patterns).
    Options(Vec<Decision>),
}

#[derive(Clone, Debug, Deserialize)]
pub struct Interacts {
    pub actor: String,
    pub nodes: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Connects {
    pub source: NodeInterface,
    pub destination: NodeInterface,
}

/// A node, optionally narrowed to some of its interfaces.
#[derive(Clone, Debug, Deserialize)]
pub struct NodeInterface {
    pub node: String,
    #[serde(default)]
    pub interfaces: Vec<String>,
}

/// The shape shared by `deployed-in` and `composed-of`.
#[derive(Clone, Debug, Deserialize)]
pub struct Containment {
    pub container: String,
    pub nodes: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Decision {
    pub description: String,
    pub nodes: Vec<String>,
    pub relationships: Vec<String>,
    #[serde(default)]
    pub controls: Vec<String>,
}

/// The protocols CALM 1.2 knows; nothing else is valid in `protocol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Protocol {
    #[serde(rename = "HTTP")]
    Http,
    #[serde(rename = "HTTPS")]
    Https,
    #[serde(rename = "FTP")]
    Ftp,
    #[serde(rename = "SFTP")]
    Sftp,
    #[serde(rename = "JDBC")]
    Jdbc,
    WebSocket,
    SocketIO,
    #[serde(rename = "LDAP")]
    Ldap,
    #[serde(rename = "AMQP")]
    Amqp,
    #[serde(rename = "TLS")]
    Tls,
    #[serde(rename = "mTLS")]
    MTls,
    #[serde(rename = "TCP")]
    Tcp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Http => "HTTP",
            Self::Https => "HTTPS",
            Self::Ftp => "FTP",
            Self::Sftp => "SFTP",
            Self::Jdbc => "JDBC",
            Self::WebSocket => "WebSocket",
            Self::SocketIO => "SocketIO",
            Self::Ldap => "LDAP",
            Self::Amqp => "AMQP",
            Self::Tls => "TLS",
            Self::MTls => "mTLS",
            Self::Tcp => "TCP",
        })
    }
}

/// A business journey through the architecture (`flow.json#/defs/flow`, closed in the schema).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Flow {
    pub unique_id: String,
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub requirement_url: Option<String>,
    pub transitions: Vec<Transition>,
    #[serde(default)]
    pub controls: Controls,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// One step of a flow: a relationship travelled in one direction.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Transition {
    pub relationship_unique_id: String,
    pub sequence_number: i64,
    pub description: String,
    #[serde(default)]
    pub direction: Direction,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    #[default]
    SourceToDestination,
    DestinationToSource,
}

/// Free-form metadata. The schema allows an object or a list of objects; this workshop writes an
/// object and gives the keys below a meaning, read by the fitness tests, the link check, `calm
/// diff` and CI.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata {
    /// Decision records explaining this element (paths relative to the spec file).
    #[serde(default)]
    pub adrs: Vec<String>,
    /// The workspace binary this node runs (service and system nodes).
    #[serde(default)]
    pub cargo_bin: Option<String>,
    /// The workspace crate this node is (module nodes of the modular monolith).
    #[serde(default)]
    pub cargo_package: Option<String>,
    /// A CALM pattern this document must also satisfy (a document-level key, path relative to
    /// the spec); CI validates it with the JSON schemas.
    #[serde(default)]
    pub pattern: Option<String>,
    /// The `unique-id` this node or relationship had in the previous phase's document, when it
    /// was renamed (`modular-monolith` was `monolith-service`), so that `calm diff` pairs them.
    #[serde(default)]
    pub earlier_unique_id: Option<String>,
    /// How a deployment view finds this node in the rendered manifests:
    /// `{"kind": "Deployment", "name": "api-gateway"}`.
    #[serde(default)]
    pub kubernetes: Option<KubernetesObject>,
    /// Anything else, kept so that documents may carry more notes.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// A Kubernetes object by kind and name (and, for namespaced objects, where it lives).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubernetesObject {
    pub kind: String,
    pub name: String,
}

impl Architecture {
    /// Parses a document, naming the JSON path of the first problem (`nodes[2].node-type: ...`).
    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(deserializer)
            .map_err(|error| anyhow::anyhow!("not a CALM 1.2 document we understand: {error}"))
    }

    pub fn node(&self, unique_id: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.unique_id == unique_id)
    }

    pub fn relationship(&self, unique_id: &str) -> Option<&Relationship> {
        self.relationships
            .iter()
            .find(|relationship| relationship.unique_id == unique_id)
    }

    /// The node that `node_id` is part of, if a `composed-of` or `deployed-in` says so.
    pub fn container_of(&self, node_id: &str) -> Option<&Node> {
        self.relationships
            .iter()
            .find_map(|relationship| match &relationship.relationship_type {
                RelationshipType::ComposedOf(containment)
                | RelationshipType::DeployedIn(containment)
                    if containment.nodes.iter().any(|node| node == node_id) =>
                {
                    self.node(&containment.container)
                }
                _ => None,
            })
    }

    /// The node that `node_id` is part of by `composed-of` only: a module's service, a service's
    /// system. `deployed-in` says where something runs, which is another question.
    pub fn composed_in(&self, node_id: &str) -> Option<&Node> {
        self.relationships
            .iter()
            .find_map(|relationship| match &relationship.relationship_type {
                RelationshipType::ComposedOf(containment)
                    if containment.nodes.iter().any(|node| node == node_id) =>
                {
                    self.node(&containment.container)
                }
                _ => None,
            })
    }

    /// Every `connects` relationship, with its payload unwrapped.
    pub fn connections(&self) -> impl Iterator<Item = (&Relationship, &Connects)> {
        self.relationships
            .iter()
            .filter_map(|relationship| match &relationship.relationship_type {
                RelationshipType::Connects(connects) => Some((relationship, connects)),
                _ => None,
            })
    }
}

impl Node {
    /// Where the node listens, taken from its first interface with a host and a port.
    pub fn host_port(&self) -> Option<(&str, u16)> {
        self.interfaces.iter().find_map(Interface::host_port)
    }

    /// The workspace binary this node runs, from `metadata.cargo-bin`.
    pub fn cargo_bin(&self) -> Option<&str> {
        self.metadata.as_ref()?.cargo_bin.as_deref()
    }

    /// The workspace crate this node is, from `metadata.cargo-package`.
    pub fn cargo_package(&self) -> Option<&str> {
        self.metadata.as_ref()?.cargo_package.as_deref()
    }

    /// The id this node had in the previous phase, from `metadata.earlier-unique-id`.
    pub fn earlier_unique_id(&self) -> Option<&str> {
        self.metadata.as_ref()?.earlier_unique_id.as_deref()
    }

    /// The decision records linked from `metadata.adrs`.
    pub fn adrs(&self) -> &[String] {
        self.metadata
            .as_ref()
            .map_or(&[], |metadata| &metadata.adrs)
    }
}
