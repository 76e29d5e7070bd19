//! Allowed values, from contentctl 5.6 (`objects/enums.py`, `rba.py`,
//! `detection_tags.py`, `story_tags.py`).

/// Detection `type`.
pub const DETECTION_TYPES: &[&str] = &["TTP", "Anomaly", "Hunting", "Correlation"];

/// A detection's `type`, once validated ([`DETECTION_TYPES`]; contentctl's
/// `AnalyticsType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DetectionType {
    /// Tactics, techniques and procedures: a notable (finding) and risk.
    Ttp,
    /// Risk only.
    Anomaly,
    /// A search an analyst runs; no alert.
    Hunting,
    /// A search over the risk index (risk-based alerting's correlation).
    Correlation,
}

impl DetectionType {
    /// The type written as `type:` (`TTP`, `Anomaly`, ...); `None` for any
    /// other text (reported as S004 when the file is read).
    pub fn parse(s: &str) -> Option<DetectionType> {
        match s {
            "TTP" => Some(DetectionType::Ttp),
            "Anomaly" => Some(DetectionType::Anomaly),
            "Hunting" => Some(DetectionType::Hunting),
            "Correlation" => Some(DetectionType::Correlation),
            _ => None,
        }
    }

    /// Whether detections of this type raise an alert in production (a
    /// notable or risk): TTP, Anomaly and Correlation (contentctl's
    /// `enabled_by_default` and drilldown policies).
    pub fn alerts(self) -> bool {
        !matches!(self, DetectionType::Hunting)
    }

    /// TTP or Anomaly: the types that carry risk objects for a victim.
    pub fn is_ttp_or_anomaly(self) -> bool {
        matches!(self, DetectionType::Ttp | DetectionType::Anomaly)
    }
}
/// Detection `status`.
pub const DETECTION_STATUS: &[&str] = &["experimental", "production", "deprecated"];
/// Story and baseline `status`.
pub const STORY_STATUS: &[&str] = &["production", "deprecated"];
/// Status of macros, lookups, data sources and deployments.
pub const PRODUCTION_ONLY: &[&str] = &["production"];

/// An object's `status`, once validated ([`DETECTION_STATUS`],
/// [`STORY_STATUS`], [`PRODUCTION_ONLY`]; contentctl's
/// `DetectionStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Tested with attack data: built enabled when its type alerts.
    Production,
    /// Tested by hand only: its description gets contentctl's
    /// experimental note.
    Experimental,
    /// No longer maintained: its description gets contentctl's deprecated
    /// note and `metadata.deprecated` is `1`.
    Deprecated,
}

impl Status {
    /// The status as written in `status:`; `None` for any other text
    /// (reported as S004 when the file is read).
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "production" => Some(Status::Production),
            "experimental" => Some(Status::Experimental),
            "deprecated" => Some(Status::Deprecated),
            _ => None,
        }
    }
}
/// `tags.product` and story `tags.product`.
pub const PRODUCTS: &[&str] = &[
    "Splunk Enterprise",
    "Splunk Enterprise Security",
    "Splunk Cloud",
    "Splunk Security Analytics for AWS",
    "Splunk Behavioral Analytics",
];
/// `tags.security_domain`.
pub const SECURITY_DOMAINS: &[&str] = &[
    "endpoint", "network", "threat", "identity", "access", "audit",
];

/// The security domains of contentctl 4.0.1 to 4.4.1 (`SecurityDomain`):
/// [`SECURITY_DOMAINS`] and `cloud`.
pub const SECURITY_DOMAINS_4X: &[&str] = &[
    "endpoint", "network", "threat", "identity", "access", "audit", "cloud",
];
/// `tags.asset_type`.
pub const ASSET_TYPES: &[&str] = &[
    "AWS Account",
    "AWS EKS Kubernetes cluster",
    "AWS Federated Account",
    "AWS Instance",
    "Account",
    "Amazon EKS Kubernetes cluster",
    "Amazon EKS Kubernetes cluster Pod",
    "Amazon Elastic Container Registry",
    "Azure Tenant",
    "Azure AKS Kubernetes cluster",
    "Azure Active Directory",
    "CircleCI",
    "Cloud Compute Instance",
    "Cloud Instance",
    "DNS Servers",
    "Database Server",
    "Domain Server",
    "EC2 Snapshot",
    "Endpoint",
    "GCP",
    "GCP Account",
    "GCP GKE EKS Kubernetes cluster",
    "GCP GKE Kubernetes cluster",
    "GCP Kubernetes cluster",
    "GCP Storage Bucket",
    "GDrive",
    "GSuite",
    "GitHub",
    "Google Cloud Platform tenant",
    "Identity",
    "Infrastructure",
    "Instance",
    "Kubernetes",
    "Network",
    "O365 Tenant",
    "Okta Tenant",
    "Proxy",
    "S3 Bucket",
    "Splunk Server",
    "VPN Appliance",
    "Web Server",
    "Web Proxy",
    "Web Application",
    "Windows",
];
/// `rba.risk_objects[].type`.
/// The optional transforms.conf keys a lookup may set, in the order a
/// build writes them (transforms.conf.spec; contentctl's `Lookup` fields).
pub const LOOKUP_OPTIONS: &[&str] = &[
    "default_match",
    "match_type",
    "min_matches",
    "max_matches",
    "case_sensitive_match",
];

pub const RISK_OBJECT_TYPES: &[&str] = &["user", "system", "other"];
/// `rba.threat_objects[].type`.
pub const THREAT_OBJECT_TYPES: &[&str] = &[
    "certificate_common_name",
    "certificate_organization",
    "certificate_serial",
    "certificate_unit",
    "command",
    "domain",
    "email_address",
    "email_subject",
    "file_hash",
    "file_name",
    "file_path",
    "http_user_agent",
    "ip_address",
    "process",
    "process_name",
    "parent_process",
    "parent_process_name",
    "process_hash",
    "registry_path",
    "registry_value_name",
    "registry_value_text",
    "service",
    "signature",
    "system",
    "tls_hash",
    "url",
];
/// Story `tags.category`.
pub const STORY_CATEGORIES: &[&str] = &[
    "Abuse",
    "Adversary Tactics",
    "Best Practices",
    "Cloud Security",
    "Compliance",
    "Malware",
    "Uncategorized",
    "Vulnerability",
    "Account Compromise",
    "Data Destruction",
    "Lateral Movement",
    "Privilege Escalation",
    "Ransomware",
    "Unauthorized Software",
];
/// Story `tags.usecase`.
pub const STORY_USECASES: &[&str] = &[
    "Fraud Detection",
    "Compliance",
    "Application Security",
    "Security Monitoring",
    "Advanced Threat Detection",
    "Insider Threat",
    "Other",
];
/// Deployment `type`.
pub const DEPLOYMENT_TYPES: &[&str] = &[
    "TTP",
    "Anomaly",
    "Hunting",
    "Correlation",
    "Baseline",
    "Embedded",
];
/// Lookup `lookup_type`.
pub const LOOKUP_TYPES: &[&str] = &["csv", "kvstore", "mlmodel"];

/// A lookup's kind, once validated ([`LOOKUP_TYPES`]; contentctl 5.x's
/// `Lookup_Type`; a 4.x lookup's from its `filename` or `collection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LookupType {
    /// A csv file in the app's `lookups/` (transforms.conf `filename`).
    Csv,
    /// A KV store collection (collections.conf, transforms.conf
    /// `external_type = kvstore`).
    KvStore,
    /// A machine learning model file (`.mlmodel`).
    MlModel,
}

impl LookupType {
    /// The type as written in `lookup_type:`; `None` for any other text
    /// (reported as S004 when the file is read).
    pub fn parse(s: &str) -> Option<LookupType> {
        match s {
            "csv" => Some(LookupType::Csv),
            "kvstore" => Some(LookupType::KvStore),
            "mlmodel" => Some(LookupType::MlModel),
            _ => None,
        }
    }

    /// The type as `lookup_type:` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            LookupType::Csv => "csv",
            LookupType::KvStore => "kvstore",
            LookupType::MlModel => "mlmodel",
        }
    }
}

/// Macros that ship outside ESCU (Splunk_SA_CIM, ES) and need no
/// definition: contentctl skips any macro whose name contains one of these.
pub const MACROS_TO_IGNORE: &[&str] = &[
    "drop_dm_object_name",
    "get_asset",
    "get_risk_severity",
    "cim_corporate_web_domain_search",
    "globedistance",
];

/// Lookups that ship outside ESCU (contentctl's `LOOKUPS_TO_IGNORE`).
pub const LOOKUPS_TO_IGNORE: &[&str] = &[
    "outputlookup",
    "ut_shannon_lookup",
    "identity_lookup_expanded",
    "cim_corporate_web_domain_lookup",
    "cim_corporate_email_domain_lookup",
    "cim_cloud_domain_lookup",
    "alexa_lookup_by_str",
    "interesting_ports_lookup",
    "asset_lookup_by_str",
    "admon_groups_def",
    "=",
    "other_lookups",
    // detc: the files behind the three `cim_*_lookup` definitions above
    // (SA-IdentityManagement), which searches also read by file name.
    "cim_corporate_web_domains.csv",
    "cim_corporate_email_domains.csv",
    "cim_cloud_domains.csv",
];

/// Data models whose names, found in a search, give `datamodel`.
pub const DATA_MODELS: &[&str] = &[
    "Endpoint",
    "Network_Traffic",
    "Authentication",
    "Change",
    "Change_Analysis",
    "Email",
    "Network_Resolution",
    "Network_Sessions",
    "UEBA",
    "Updates",
    "Vulnerabilities",
    "Web",
    "Risk",
    "Splunk_Audit",
];

/// Values of a test's `expect` (a detc extension read by `detc test`):
/// `results`, at least one result (contentctl's meaning, the default), or
/// `none`, no result (benign data).
pub const TEST_EXPECTATIONS: &[&str] = &["results", "none"];

/// Values of a lookup's `written_by` (a detc extension): the search command
/// that writes the lookup's file at run time.
pub const WRITTEN_BY: &[&str] = &["firstseen"];

/// The columns the `firstseen` command writes after the key fields
/// (`crates/firstseen/src/state.rs`, ESCU's baseline layout).
pub const FIRSTSEEN_STATE_COLUMNS: &[&str] = &["firstTimeSeen", "lastTimeSeen", "enough_data"];
/// The columns a KV store collection written by `firstseen`
/// (`store=kvstore`) holds after `_key` and the key fields
/// (`crates/firstseen/src/kvstore.rs`).
pub const FIRSTSEEN_KV_COLUMNS: &[&str] = &["firstTimeSeen", "lastTimeSeen", "reportedTime"];
/// The column where firstseen records when it reported a key as new (each
/// key is reported once); a lookup's `fields` may list it after the others
/// (firstseen's `state.rs`, `REPORTED_COLUMN`).
pub const FIRSTSEEN_REPORTED_COLUMN: &str = "reportedTime";
/// The column where firstseen records which search reported a key (16 hex
/// digits of its search string's SHA-256), so that another search over the
/// same time range does not report it again; a lookup's `fields` may list
/// it after `reportedTime` (firstseen's `state.rs`, `REPORTED_BY_COLUMN`).
pub const FIRSTSEEN_REPORTED_BY_COLUMN: &str = "reportedBy";
