import { sql, type Kysely } from 'kysely';

/**
 * The whole seed data model (§4) plus what the seed implies. Row-level security lives in 0002.
 *
 * Conventions: UUID primary keys that clients may generate (offline creation) and the server otherwise
 * generates with gen_random_uuid(); timestamps are timestamptz; personal rows carry `deleted_at` for GDPR
 * soft delete (a purge job removes them and their media later). PII is stored only as ciphertext.
 */
const statements = [
  sql`create extension if not exists pg_trgm`,
  sql`create extension if not exists unaccent`,

  sql`create type app_role as enum ('student', 'teacher', 'admin')`,
  sql`create type student_level as enum ('beginner', 'intermediate', 'advanced', 'professional')`,
  sql`create type practice_focus as enum ('scales', 'etudes', 'repertoire', 'technique', 'sight_reading', 'other')`,
  sql`create type session_status as enum ('awaiting_upload', 'processing', 'ready', 'failed')`,

  // --- Identity -------------------------------------------------------------------------------------------
  sql`create table users (
    id uuid primary key default gen_random_uuid(),
    email_ciphertext text not null,
    email_blind_index text not null unique,
    phone_ciphertext text,
    password_hash text not null,
    active_role app_role not null,
    tz text not null default 'UTC',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz
  )`,
  // Kept apart from users so that policies can ask "is this user an admin?" without recursing into users.
  sql`create table user_roles (
    user_id uuid not null references users (id) on delete cascade,
    role app_role not null,
    granted_at timestamptz not null default now(),
    primary key (user_id, role)
  )`,
  // What other signed-in people may see of a user (forum authors, a teacher's name).
  sql`create table profiles (
    user_id uuid primary key references users (id) on delete cascade,
    display_name text not null,
    avatar_key text,
    reputation integer not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`,
  sql`create table teachers (
    user_id uuid primary key references users (id) on delete cascade,
    bio text not null default '',
    default_tags jsonb not null default '[]',
    created_at timestamptz not null default now()
  )`,
  sql`create table students (
    user_id uuid primary key references users (id) on delete cascade,
    primary_teacher_id uuid references users (id) on delete set null,
    level student_level not null default 'beginner',
    storage_quota_bytes bigint not null default 21474836480,
    created_at timestamptz not null default now()
  )`,
  sql`create table refresh_tokens (
    id uuid primary key default gen_random_uuid(),
    family_id uuid not null,
    user_id uuid not null references users (id) on delete cascade,
    token_hash text not null,
    active_role app_role not null,
    expires_at timestamptz not null,
    used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz not null default now()
  )`,
  sql`create index refresh_tokens_family_idx on refresh_tokens (family_id)`,
  sql`create index refresh_tokens_user_idx on refresh_tokens (user_id)`,

  // --- Teaching -------------------------------------------------------------------------------------------
  sql`create table teacher_students (
    teacher_id uuid not null references users (id) on delete cascade,
    student_id uuid not null references users (id) on delete cascade,
    created_at timestamptz not null default now(),
    primary key (teacher_id, student_id),
    check (teacher_id <> student_id)
  )`,
  sql`create index teacher_students_student_idx on teacher_students (student_id, teacher_id)`,
  sql`create table invitations (
    id uuid primary key default gen_random_uuid(),
    teacher_id uuid not null references users (id) on delete cascade,
    code text not null unique,
    expires_at timestamptz not null,
    max_uses integer not null default 1 check (max_uses > 0),
    use_count integer not null default 0,
    revoked_at timestamptz,
    created_at timestamptz not null default now()
  )`,
  sql`create index invitations_teacher_idx on invitations (teacher_id, created_at desc)`,
  sql`create table tags (
    id uuid primary key default gen_random_uuid(),
    owner_teacher_id uuid references users (id) on delete cascade,
    name text not null,
    color text not null default '#8a5a44',
    created_at timestamptz not null default now(),
    deleted_at timestamptz
  )`,
  sql`create unique index tags_owner_name_idx on tags (coalesce(owner_teacher_id, '00000000-0000-0000-0000-000000000000'), lower(name)) where deleted_at is null`,
  sql`create table classes (
    id uuid primary key default gen_random_uuid(),
    teacher_id uuid not null references users (id) on delete cascade,
    title text not null,
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    location text,
    notes text,
    reminder_minutes_before integer,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz,
    check (ends_at > starts_at)
  )`,
  sql`create index classes_teacher_time_idx on classes (teacher_id, starts_at)`,
  // teacher_id is copied from the class so each table's policy stands alone (no policy cycle).
  sql`create table class_attendees (
    class_id uuid not null references classes (id) on delete cascade,
    teacher_id uuid not null references users (id) on delete cascade,
    student_id uuid not null references users (id) on delete cascade,
    primary key (class_id, student_id)
  )`,
  sql`create index class_attendees_student_idx on class_attendees (student_id)`,

  // --- Practice and media ---------------------------------------------------------------------------------
  sql`create table practice_sessions (
    id uuid primary key default gen_random_uuid(),
    student_id uuid not null references users (id) on delete cascade,
    focus practice_focus not null,
    start_ts timestamptz not null,
    end_ts timestamptz not null,
    self_rating smallint check (self_rating between 1 and 5),
    note text not null default '',
    status session_status not null default 'awaiting_upload',
    failure_reason text,
    has_sensors boolean not null default false,
    sensors_key text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz,
    check (end_ts >= start_ts)
  )`,
  sql`create index practice_sessions_student_time_idx on practice_sessions (student_id, start_ts desc, id) where deleted_at is null`,
  sql`create table session_tags (
    session_id uuid not null references practice_sessions (id) on delete cascade,
    tag_id uuid not null references tags (id) on delete cascade,
    primary key (session_id, tag_id)
  )`,
  sql`create index session_tags_tag_idx on session_tags (tag_id, session_id)`,
  sql`create table uploads (
    id uuid primary key default gen_random_uuid(),
    session_id uuid not null references practice_sessions (id) on delete cascade,
    owner_id uuid not null references users (id) on delete cascade,
    object_key text not null unique,
    storage_upload_id text,
    filename text not null,
    content_type text not null,
    size_bytes bigint not null check (size_bytes > 0),
    part_size_bytes integer not null,
    part_count integer not null,
    status text not null default 'pending' check (status in ('pending', 'completed', 'aborted')),
    created_at timestamptz not null default now(),
    completed_at timestamptz,
    expires_at timestamptz not null
  )`,
  sql`create index uploads_session_idx on uploads (session_id)`,
  sql`create index uploads_owner_idx on uploads (owner_id, status)`,
  sql`create table upload_parts (
    upload_id uuid not null references uploads (id) on delete cascade,
    part_number integer not null check (part_number between 1 and 10000),
    etag text not null,
    size_bytes bigint not null,
    checksum text not null,
    confirmed_at timestamptz not null default now(),
    primary key (upload_id, part_number)
  )`,
  sql`create table videos (
    id uuid primary key default gen_random_uuid(),
    session_id uuid not null unique references practice_sessions (id) on delete cascade,
    student_id uuid not null references users (id) on delete cascade,
    s3_key text not null unique,
    size_bytes bigint not null,
    hls_key text,
    thumbnail_key text,
    duration_s real,
    processed boolean not null default false,
    created_at timestamptz not null default now(),
    deleted_at timestamptz
  )`,
  sql`create index videos_student_idx on videos (student_id)`,
  // One row per metric per session: the analysis result replaces the whole set in one transaction.
  // ts is the session's start, so per-student time reads need no join. Covering indexes serve both reads.
  sql`create table metrics (
    id bigint generated always as identity primary key,
    session_id uuid not null references practice_sessions (id) on delete cascade,
    student_id uuid not null references users (id) on delete cascade,
    metric_key text not null,
    metric_val double precision not null,
    unit text not null,
    ts timestamptz not null,
    unique (session_id, metric_key)
  )`,
  sql`create index metrics_session_covering_idx on metrics (session_id) include (metric_key, metric_val, unit)`,
  sql`create index metrics_student_time_covering_idx on metrics (student_id, metric_key, ts) include (metric_val)`,
  // Dashboards read these, never raw metrics: one row per student, day and metric.
  sql`create table metric_daily_rollups (
    student_id uuid not null references users (id) on delete cascade,
    day date not null,
    metric_key text not null,
    sample_count integer not null,
    value_sum double precision not null,
    value_min double precision not null,
    value_max double precision not null,
    primary key (student_id, metric_key, day)
  )`,
  sql`create table practice_daily_rollups (
    student_id uuid not null references users (id) on delete cascade,
    day date not null,
    practice_seconds integer not null,
    session_count integer not null,
    primary key (student_id, day)
  )`,
  sql`create table session_series (
    session_id uuid primary key references practice_sessions (id) on delete cascade,
    student_id uuid not null references users (id) on delete cascade,
    series jsonb not null,
    analysis_version text not null,
    created_at timestamptz not null default now()
  )`,
  sql`create table feedback (
    id uuid primary key default gen_random_uuid(),
    teacher_id uuid not null references users (id) on delete cascade,
    student_id uuid not null references users (id) on delete cascade,
    target_session_id uuid references practice_sessions (id) on delete cascade,
    target_video_id uuid references videos (id) on delete cascade,
    video_timestamp_s real check (video_timestamp_s >= 0),
    text text not null,
    rating smallint check (rating between 1 and 5),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz,
    check (target_session_id is not null or target_video_id is not null)
  )`,
  sql`create index feedback_student_idx on feedback (student_id, created_at desc)`,
  sql`create index feedback_session_idx on feedback (target_session_id)`,
  sql`create index feedback_video_idx on feedback (target_video_id, video_timestamp_s)`,

  // --- Community ------------------------------------------------------------------------------------------
  sql`create table forum_posts (
    id uuid primary key default gen_random_uuid(),
    author_id uuid not null references users (id) on delete cascade,
    title text not null,
    body_md text not null,
    is_question boolean not null default true,
    score integer not null default 0,
    comment_count integer not null default 0,
    search_vector tsvector,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz,
    removed_at timestamptz
  )`,
  sql`create index forum_posts_created_idx on forum_posts (created_at desc, id) where deleted_at is null and removed_at is null`,
  sql`create index forum_posts_search_idx on forum_posts using gin (search_vector)`,
  sql`create index forum_posts_title_trgm_idx on forum_posts using gin (title gin_trgm_ops)`,
  sql`create table forum_comments (
    id uuid primary key default gen_random_uuid(),
    post_id uuid not null references forum_posts (id) on delete cascade,
    author_id uuid not null references users (id) on delete cascade,
    parent_id uuid references forum_comments (id) on delete cascade,
    body_md text not null,
    score integer not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz,
    removed_at timestamptz
  )`,
  sql`create index forum_comments_post_idx on forum_comments (post_id, created_at)`,
  sql`create table votes (
    user_id uuid not null references users (id) on delete cascade,
    post_id uuid references forum_posts (id) on delete cascade,
    comment_id uuid references forum_comments (id) on delete cascade,
    value smallint not null check (value in (-1, 1)),
    created_at timestamptz not null default now(),
    check ((post_id is null) <> (comment_id is null))
  )`,
  sql`create unique index votes_user_post_idx on votes (user_id, post_id) where post_id is not null`,
  sql`create unique index votes_user_comment_idx on votes (user_id, comment_id) where comment_id is not null`,
  sql`create table moderation_reports (
    id uuid primary key default gen_random_uuid(),
    reporter_id uuid not null references users (id) on delete cascade,
    target_type text not null check (target_type in ('post', 'comment', 'video', 'user')),
    target_id uuid not null,
    reason text not null,
    status text not null default 'open' check (status in ('open', 'actioned', 'dismissed')),
    resolved_by uuid references users (id) on delete set null,
    created_at timestamptz not null default now(),
    resolved_at timestamptz
  )`,
  sql`create index moderation_reports_status_idx on moderation_reports (status, created_at)`,

  // --- Notifications, privacy, infrastructure ---------------------------------------------------------------
  sql`create table notifications (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references users (id) on delete cascade,
    kind text not null,
    title text not null,
    body text not null default '',
    data jsonb not null default '{}',
    read_at timestamptz,
    created_at timestamptz not null default now()
  )`,
  sql`create index notifications_user_idx on notifications (user_id, created_at desc)`,
  sql`create table push_tokens (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references users (id) on delete cascade,
    token text not null unique,
    platform text not null check (platform in ('ios', 'android', 'web')),
    created_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now()
  )`,
  sql`create index push_tokens_user_idx on push_tokens (user_id)`,
  sql`create table deletion_requests (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references users (id) on delete cascade,
    requested_at timestamptz not null default now(),
    purge_after timestamptz not null,
    completed_at timestamptz
  )`,
  // Transactional outbox: events are written with the change that caused them, dispatched afterwards.
  // `by default`: appendEvent draws the id itself, since a user may insert an event but never read one back.
  sql`create table outbox_events (
    id bigint generated by default as identity primary key,
    event_type text not null,
    aggregate_id uuid not null,
    payload jsonb not null,
    created_at timestamptz not null default now(),
    dispatched_at timestamptz,
    attempts integer not null default 0
  )`,
  sql`create index outbox_events_pending_idx on outbox_events (id) where dispatched_at is null`,
  // Jobs of the embedded queue (BullMQ keeps its own in Redis).
  sql`create table jobs (
    id uuid primary key default gen_random_uuid(),
    queue text not null,
    name text not null,
    dedupe_key text not null unique,
    payload jsonb not null,
    status text not null default 'waiting' check (status in ('waiting', 'active', 'completed', 'dead')),
    attempts integer not null default 0,
    max_attempts integer not null default 5,
    run_at timestamptz not null default now(),
    locked_until timestamptz,
    last_error text,
    created_at timestamptz not null default now(),
    finished_at timestamptz
  )`,
  sql`create index jobs_ready_idx on jobs (queue, run_at) where status in ('waiting', 'active')`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}
