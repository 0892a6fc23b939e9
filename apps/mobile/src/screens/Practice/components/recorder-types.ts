import type { SensorFile } from '@rosin/contracts/sessions';
import type { PickedVideo } from '../../../lib/media/video-vault.types';

export interface Recording {
  video: PickedVideo;
  sensors: SensorFile | null;
  startedAt: string;
  endedAt: string;
}

export interface RecorderProps {
  onRecorded: (recording: Recording) => void;
  onCancel: () => void;
}
