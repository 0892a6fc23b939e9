/** The role every request and job runs as: owns no tables, cannot bypass row-level security. */
export const APP_ROLE = 'rosin_app';
