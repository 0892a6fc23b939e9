/**
 * An input the analysis cannot describe (unreadable media, silence, missing ffmpeg). The message is
 * one line meant for the user; the server's media worker can show it as the reason a session
 * could not be analysed.
 */
export class AnalysisInputError extends Error {
  override name = 'AnalysisInputError';
}
