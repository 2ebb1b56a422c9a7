//! Table definitions shared by both backends; the SQL lives in `migrations/`.

diesel::table! {
    instance (id) {
        id -> BigInt,
        domain -> Text,
        public_key -> Text,
        private_key -> Text,
        created_at -> Timestamp,
        federation_mode -> Nullable<Text>,
    }
}

diesel::table! {
    accounts (id) {
        id -> BigInt,
        username -> Text,
        domain -> Text,
        local -> Bool,
        ap_id -> Text,
        inbox_url -> Text,
        shared_inbox_url -> Nullable<Text>,
        display_name -> Text,
        email -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        is_admin -> Bool,
        disabled -> Bool,
        public_key -> Nullable<Text>,
        private_key -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_refreshed_at -> Timestamp,
        phone -> Nullable<Text>,
        job_title -> Text,
        name_visibility -> Text,
        roles_visibility -> Text,
        email_visibility -> Text,
        phone_visibility -> Text,
        search_text -> Text,
        locale -> Nullable<Text>,
    }
}

diesel::table! {
    organisations (id) {
        id -> BigInt,
        slug -> Text,
        domain -> Text,
        local -> Bool,
        ap_id -> Text,
        inbox_url -> Text,
        shared_inbox_url -> Nullable<Text>,
        kind -> Text,
        name -> Text,
        uai -> Nullable<Text>,
        parent_id -> Nullable<BigInt>,
        description -> Text,
        address -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        city -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        website -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        approve_followers -> Bool,
        closed -> Bool,
        public_key -> Nullable<Text>,
        private_key -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_refreshed_at -> Timestamp,
        visibility -> Text,
        department_code -> Nullable<Text>,
        commune_key -> Nullable<Text>,
        attributes -> Text,
        search_text -> Text,
    }
}

diesel::table! {
    memberships (id) {
        id -> BigInt,
        account_id -> BigInt,
        organisation_id -> BigInt,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        account_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    peers (id) {
        id -> BigInt,
        domain -> Text,
        ap_id -> Text,
        inbox_url -> Text,
        shared_inbox_url -> Nullable<Text>,
        public_key -> Text,
        software -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_refreshed_at -> Timestamp,
        directory_synced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    federation_domains (domain) {
        domain -> Text,
        policy -> Text,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    follows (id) {
        id -> BigInt,
        follower_ap_id -> Text,
        follower_inbox -> Text,
        target_ap_id -> Text,
        activity_ap_id -> Text,
        pending -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    received_activities (ap_id) {
        ap_id -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        activity_id -> Text,
        actor_ap_id -> Text,
        inbox_url -> Text,
        domain -> Text,
        payload -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        failed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    delivery_domains (domain) {
        domain -> Text,
        failures -> Integer,
        dead -> Bool,
        next_attempt_at -> Timestamp,
        first_failure_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        last_success_at -> Nullable<Timestamp>,
        leased_by -> Nullable<Text>,
        leased_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tombstones (ap_id) {
        ap_id -> Text,
        deleted_by -> Text,
        deleted_at -> Timestamp,
    }
}

diesel::table! {
    files (sha256) {
        sha256 -> Text,
        media_type -> Text,
        size -> BigInt,
        created_at -> Timestamp,
        claimed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    announcement_categories (slug) {
        slug -> Text,
        label -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    announcements (id) {
        id -> BigInt,
        public_id -> Text,
        ap_id -> Text,
        local -> Bool,
        organisation_id -> BigInt,
        author_ap_id -> Text,
        author_name -> Text,
        author_account_id -> Nullable<BigInt>,
        title -> Text,
        summary -> Text,
        body_markdown -> Nullable<Text>,
        body_html -> Text,
        category -> Text,
        target_roles -> Text,
        public -> Bool,
        pinned -> Bool,
        ack_requested -> Bool,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        url -> Text,
        published_at -> Timestamp,
        updated_at -> Timestamp,
        received_at -> Timestamp,
    }
}

diesel::table! {
    announcement_attachments (id) {
        id -> BigInt,
        announcement_id -> BigInt,
        position -> Integer,
        name -> Text,
        media_type -> Text,
        size -> Nullable<BigInt>,
        url -> Text,
        sha256 -> Nullable<Text>,
    }
}

diesel::table! {
    acknowledgements (id) {
        id -> BigInt,
        announcement_id -> BigInt,
        reader_ap_id -> Text,
        reader_domain -> Text,
        account_id -> Nullable<BigInt>,
        read_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        account_id -> BigInt,
        announcement_id -> BigInt,
        kind -> Text,
        created_at -> Timestamp,
        seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    home_feed (account_id, announcement_id) {
        account_id -> BigInt,
        announcement_id -> BigInt,
        organisation_id -> BigInt,
    }
}

diesel::table! {
    resources (id) {
        id -> BigInt,
        public_id -> Text,
        ap_id -> Text,
        local -> Bool,
        organisation_id -> BigInt,
        author_ap_id -> Text,
        author_name -> Text,
        author_account_id -> Nullable<BigInt>,
        title -> Text,
        description -> Text,
        licence -> Text,
        levels -> Text,
        subjects -> Text,
        tags -> Text,
        version -> Integer,
        downloads -> BigInt,
        url -> Text,
        search_text -> Text,
        published_at -> Timestamp,
        updated_at -> Timestamp,
        received_at -> Timestamp,
    }
}

diesel::table! {
    resource_versions (id) {
        id -> BigInt,
        resource_id -> BigInt,
        version -> Integer,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    resource_files (id) {
        id -> BigInt,
        resource_id -> BigInt,
        version -> Integer,
        position -> Integer,
        name -> Text,
        sha256 -> Text,
        media_type -> Text,
        size -> BigInt,
        remote_url -> Nullable<Text>,
        mirrored -> Bool,
        downloads -> BigInt,
    }
}

diesel::table! {
    mirrored_domains (domain) {
        domain -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        account_id -> BigInt,
        secret_hash -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    modules (name) {
        name -> Text,
        enabled -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    account_weeks (week, account_id) {
        week -> Text,
        account_id -> BigInt,
    }
}

diesel::table! {
    directory_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    usage_counters (week, name) {
        week -> Text,
        name -> Text,
        value -> BigInt,
    }
}

diesel::joinable!(memberships -> accounts (account_id));
diesel::joinable!(home_feed -> announcements (announcement_id));
diesel::joinable!(announcements -> organisations (organisation_id));
diesel::joinable!(announcement_attachments -> announcements (announcement_id));
diesel::joinable!(acknowledgements -> announcements (announcement_id));
diesel::joinable!(notifications -> announcements (announcement_id));
diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(api_tokens -> accounts (account_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(account_weeks -> accounts (account_id));
diesel::joinable!(resources -> organisations (organisation_id));
diesel::joinable!(resource_versions -> resources (resource_id));
diesel::joinable!(resource_files -> resources (resource_id));

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_account_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        target -> Text,
        detail -> Text,
    }
}

diesel::table! {
    periodic_runs (name) {
        name -> Text,
        last_started_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    instance,
    accounts,
    organisations,
    memberships,
    api_tokens,
    peers,
    federation_domains,
    follows,
    received_activities,
    outbox,
    delivery_domains,
    tombstones,
    files,
    announcement_categories,
    announcements,
    announcement_attachments,
    acknowledgements,
    notifications,
    home_feed,
    resources,
    resource_versions,
    resource_files,
    mirrored_domains,
    sessions,
    modules,
    account_weeks,
    usage_counters,
    audit_log
);
