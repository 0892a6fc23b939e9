import type { ColumnType, Generated } from 'kysely';

/** Row types of the tables created by ./migrations, as Kysely sees them. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

export type AppRole = 'student' | 'teacher' | 'admin';
export type StudentLevel = 'beginner' | 'intermediate' | 'advanced' | 'professional';
export type PracticeFocus = 'scales' | 'etudes' | 'repertoire' | 'technique' | 'sight_reading' | 'other';
export type SessionStatus = 'awaiting_upload' | 'processing' | 'ready' | 'failed';

export interface UsersTable {
  id: Generated<string>;
  email_ciphertext: string;
  email_blind_index: string;
  phone_ciphertext: string | null;
  password_hash: string;
  active_role: AppRole;
  tz: Generated<string>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface UserRolesTable {
  user_id: string;
  role: AppRole;
  granted_at: CreatedAt;
}

export interface ProfilesTable {
  user_id: string;
  display_name: string;
  avatar_key: string | null;
  reputation: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface TeachersTable {
  user_id: string;
  bio: Generated<string>;
  default_tags: Generated<Json<string[]>>;
  created_at: CreatedAt;
}

export interface StudentsTable {
  user_id: string;
  primary_teacher_id: string | null;
  level: Generated<StudentLevel>;
  storage_quota_bytes: Generated<string>;
  created_at: CreatedAt;
}

export interface RefreshTokensTable {
  id: Generated<string>;
  family_id: string;
  user_id: string;
  token_hash: string;
  active_role: AppRole;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface TeacherStudentsTable {
  teacher_id: string;
  student_id: string;
  created_at: CreatedAt;
}

export interface InvitationsTable {
  id: Generated<string>;
  teacher_id: string;
  code: string;
  expires_at: Timestamp;
  max_uses: Generated<number>;
  use_count: Generated<number>;
  revoked_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface TagsTable {
  id: Generated<string>;
  owner_teacher_id: string | null;
  name: string;
  color: Generated<string>;
  created_at: CreatedAt;
  deleted_at: Timestamp | null;
}

export interface ClassesTable {
  id: Generated<string>;
  teacher_id: string;
  title: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  location: string | null;
  notes: string | null;
  reminder_minutes_before: number | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface ClassAttendeesTable {
  class_id: string;
  teacher_id: string;
  student_id: string;
}

export interface PracticeSessionsTable {
  id: Generated<string>;
  student_id: string;
  focus: PracticeFocus;
  start_ts: Timestamp;
  end_ts: Timestamp;
  self_rating: number | null;
  note: Generated<string>;
  status: Generated<SessionStatus>;
  failure_reason: string | null;
  has_sensors: Generated<boolean>;
  sensors_key: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface SessionTagsTable {
  session_id: string;
  tag_id: string;
}

export interface UploadsTable {
  id: Generated<string>;
  session_id: string;
  owner_id: string;
  object_key: string;
  storage_upload_id: string | null;
  filename: string;
  content_type: string;
  size_bytes: ColumnType<string, number | string, number | string>;
  part_size_bytes: number;
  part_count: number;
  /** Base64 Content-MD5 of each part, in part order (part_md5s[0] is part 1). */
  part_md5s: string[];
  status: Generated<'pending' | 'completed' | 'aborted'>;
  created_at: CreatedAt;
  completed_at: Timestamp | null;
  expires_at: Timestamp;
}

export interface UploadPartsTable {
  upload_id: string;
  part_number: number;
  etag: string;
  size_bytes: ColumnType<string, number | string, number | string>;
  checksum: string;
  confirmed_at: Timestamp;
}

export interface VideosTable {
  id: Generated<string>;
  session_id: string;
  student_id: string;
  s3_key: string;
  size_bytes: ColumnType<string, number | string, number | string>;
  hls_key: string | null;
  thumbnail_key: string | null;
  duration_s: number | null;
  processed: Generated<boolean>;
  created_at: CreatedAt;
  deleted_at: Timestamp | null;
}

export interface MetricsTable {
  id: Generated<string>;
  session_id: string;
  student_id: string;
  metric_key: string;
  metric_val: number;
  unit: string;
  ts: Timestamp;
}

export interface MetricDailyRollupsTable {
  student_id: string;
  day: ColumnType<string, string, string>;
  metric_key: string;
  sample_count: number;
  value_sum: number;
  value_min: number;
  value_max: number;
}

export interface PracticeDailyRollupsTable {
  student_id: string;
  day: ColumnType<string, string, string>;
  practice_seconds: number;
  session_count: number;
}

export interface PracticeFocusDailyRollupsTable {
  student_id: string;
  day: ColumnType<string, string, string>;
  focus: PracticeFocus;
  practice_seconds: number;
  session_count: number;
}

/** One analysed session's value of one metric, with its rolling 7-session mean (see 0004_analytics). */
export interface MetricTrendPointsTable {
  student_id: string;
  metric_key: string;
  ts: Timestamp;
  session_id: string;
  value: number;
  rolling_mean_7: number;
  window_sessions: number;
  previous_mean_7: number | null;
  delta_7: number | null;
}

export interface PracticeStreaksTable {
  student_id: string;
  longest_days: number;
  latest_first_day: ColumnType<string, string, string>;
  latest_last_day: ColumnType<string, string, string>;
  latest_days: number;
  updated_at: Timestamp;
}

export interface SessionSeriesTable {
  session_id: string;
  student_id: string;
  series: Json<unknown>;
  analysis_version: string;
  created_at: CreatedAt;
}

export interface FeedbackTable {
  id: Generated<string>;
  teacher_id: string;
  student_id: string;
  target_session_id: string | null;
  target_video_id: string | null;
  video_timestamp_s: number | null;
  text: string;
  rating: number | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface ForumPostsTable {
  id: Generated<string>;
  author_id: string;
  title: string;
  body_md: string;
  is_question: Generated<boolean>;
  score: Generated<number>;
  comment_count: Generated<number>;
  search_vector: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
  removed_at: Timestamp | null;
}

export interface ForumCommentsTable {
  id: Generated<string>;
  post_id: string;
  author_id: string;
  parent_id: string | null;
  body_md: string;
  score: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
  removed_at: Timestamp | null;
}

export interface VotesTable {
  user_id: string;
  post_id: string | null;
  comment_id: string | null;
  value: number;
  created_at: CreatedAt;
}

export interface ModerationReportsTable {
  id: Generated<string>;
  reporter_id: string;
  target_type: 'post' | 'comment' | 'video' | 'user';
  target_id: string;
  reason: string;
  status: Generated<'open' | 'actioned' | 'dismissed'>;
  resolved_by: string | null;
  created_at: CreatedAt;
  resolved_at: Timestamp | null;
}

export interface NotificationsTable {
  id: Generated<string>;
  user_id: string;
  kind: string;
  title: string;
  body: Generated<string>;
  data: Generated<Json<Record<string, unknown>>>;
  read_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface PushTokensTable {
  id: Generated<string>;
  user_id: string;
  token: string;
  platform: 'ios' | 'android' | 'web';
  created_at: CreatedAt;
  last_seen_at: Timestamp;
}

export interface DeletionRequestsTable {
  id: Generated<string>;
  user_id: string;
  requested_at: CreatedAt;
  purge_after: Timestamp;
  completed_at: Timestamp | null;
}

export interface OutboxEventsTable {
  id: Generated<string>;
  event_type: string;
  aggregate_id: string;
  payload: Json<Record<string, unknown>>;
  created_at: CreatedAt;
  dispatched_at: Timestamp | null;
  attempts: Generated<number>;
}

export interface JobsTable {
  id: Generated<string>;
  queue: string;
  name: string;
  dedupe_key: string;
  payload: Json<Record<string, unknown>>;
  status: Generated<'waiting' | 'active' | 'completed' | 'dead'>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  run_at: Timestamp;
  locked_until: Timestamp | null;
  last_error: string | null;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
}

export interface DB {
  users: UsersTable;
  user_roles: UserRolesTable;
  profiles: ProfilesTable;
  teachers: TeachersTable;
  students: StudentsTable;
  refresh_tokens: RefreshTokensTable;
  teacher_students: TeacherStudentsTable;
  invitations: InvitationsTable;
  tags: TagsTable;
  classes: ClassesTable;
  class_attendees: ClassAttendeesTable;
  practice_sessions: PracticeSessionsTable;
  session_tags: SessionTagsTable;
  uploads: UploadsTable;
  upload_parts: UploadPartsTable;
  videos: VideosTable;
  metrics: MetricsTable;
  metric_daily_rollups: MetricDailyRollupsTable;
  practice_daily_rollups: PracticeDailyRollupsTable;
  practice_focus_daily_rollups: PracticeFocusDailyRollupsTable;
  metric_trend_points: MetricTrendPointsTable;
  practice_streaks: PracticeStreaksTable;
  session_series: SessionSeriesTable;
  feedback: FeedbackTable;
  forum_posts: ForumPostsTable;
  forum_comments: ForumCommentsTable;
  votes: VotesTable;
  moderation_reports: ModerationReportsTable;
  notifications: NotificationsTable;
  push_tokens: PushTokensTable;
  deletion_requests: DeletionRequestsTable;
  outbox_events: OutboxEventsTable;
  jobs: JobsTable;
}
