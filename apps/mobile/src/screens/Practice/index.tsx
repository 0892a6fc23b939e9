import { PracticeFocus, type SensorFile } from '@rosin/contracts/sessions';
import { useRouter } from 'expo-router';
import { useState } from 'react';
import { StyleSheet, View } from 'react-native';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Chip } from '../../components/Chip';
import { Screen } from '../../components/Screen';
import { TextField } from '../../components/TextField';
import { Body, ErrorText, Heading } from '../../components/Typography';
import { space } from '../../design/theme';
import { describeError } from '../../lib/api/api-error';
import { FOCUS_LABELS, formatBytes } from '../../lib/format';
import { pickVideo } from '../../lib/media/pick-video';
import type { PickedVideo } from '../../lib/media/video-vault.types';
import { saveSession } from '../../state/actions/practice-actions';
import { useAppDispatch, useAppSelector } from '../../state/store';
import { Recorder } from './components/Recorder';
import type { Recording } from './components/recorder-types';

interface Draft {
  focus: PracticeFocus;
  selfRating: number | null;
  /** Minutes practised, if the person says; otherwise the time since "New session". */
  minutes: number | null;
  note: string;
  startedAt: string;
  video: PickedVideo | null;
  sensors: SensorFile | null;
  recordedAt: { startedAt: string; endedAt: string } | null;
}

const MINUTE_CHOICES = [5, 10, 15, 20, 30, 45, 60];

const newDraft = (): Draft => ({
  focus: 'scales',
  selfRating: null,
  minutes: null,
  note: '',
  startedAt: new Date().toISOString(),
  video: null,
  sensors: null,
  recordedAt: null,
});

/** Practice: start a session, record it (camera + gyroscope) or choose a video, save it (offline is fine). */
export function PracticeScreen() {
  const dispatch = useAppDispatch();
  const router = useRouter();
  const online = useAppSelector((state) => state.outbox.online);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [recording, setRecording] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const update = (patch: Partial<Draft>) =>
    setDraft((current) => (current ? { ...current, ...patch } : current));

  const choose = async () => {
    setError(null);
    try {
      const video = await pickVideo();
      if (video) update({ video, sensors: null, recordedAt: null });
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const onRecorded = (recording: Recording) => {
    setRecording(false);
    update({
      video: recording.video,
      sensors: recording.sensors,
      recordedAt: { startedAt: recording.startedAt, endedAt: recording.endedAt },
    });
  };

  const save = async () => {
    if (!draft) return;
    setBusy(true);
    setError(null);
    try {
      const endTs = draft.recordedAt?.endedAt ?? new Date().toISOString();
      const startTs = draft.minutes
        ? new Date(Date.parse(endTs) - draft.minutes * 60_000).toISOString()
        : (draft.recordedAt?.startedAt ?? draft.startedAt);
      await dispatch(
        saveSession({
          draft: {
            focus: draft.focus,
            startTs: startTs <= endTs ? startTs : endTs,
            endTs,
            selfRating: draft.selfRating,
            note: draft.note.trim(),
            tagIds: [],
          },
          video: draft.video,
          sensors: draft.sensors,
        }),
      );
      setDraft(null);
      router.navigate('/sessions');
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  if (!draft) {
    return (
      <Screen title="Practice">
        <Card>
          <Heading>Ready to practise?</Heading>
          <Body muted>
            Start a session, record yourself (or choose a video you already have) and Rosin measures your
            tempo, dynamics, vibrato and bow. It works offline: your session uploads when you are back online.
          </Body>
          <Button label="New session" onPress={() => setDraft(newDraft())} />
        </Card>
      </Screen>
    );
  }

  if (recording) {
    return (
      <Screen title="Record">
        <Recorder onRecorded={onRecorded} onCancel={() => setRecording(false)} />
      </Screen>
    );
  }

  return (
    <Screen title="New session">
      {!online ? (
        <Body muted>You are offline. Saving works; the upload starts when you are back online.</Body>
      ) : null}
      <Card>
        <Heading>Focus</Heading>
        <View accessibilityRole="radiogroup" style={styles.wrap}>
          {PracticeFocus.options.map((focus) => (
            <Chip
              key={focus}
              label={FOCUS_LABELS[focus]}
              selected={draft.focus === focus}
              onPress={() => update({ focus })}
            />
          ))}
        </View>
      </Card>
      <Card>
        <Heading>Video</Heading>
        {draft.video ? (
          <Body>
            {draft.video.filename}
            {draft.video.sizeBytes ? ` · ${formatBytes(draft.video.sizeBytes)}` : ''}
            {draft.sensors ? ` · bow sensor ${draft.sensors.gyroscope.length} readings` : ''}
          </Body>
        ) : (
          <Body muted>Record now, or choose a recording you already made.</Body>
        )}
        <View style={styles.row}>
          <Button label="Record" onPress={() => setRecording(true)} />
          <Button label="Choose video" variant="secondary" onPress={choose} />
        </View>
      </Card>
      <Card>
        <Heading>How did it go?</Heading>
        <View accessibilityRole="radiogroup" accessibilityLabel="Self-rating" style={styles.wrap}>
          {[1, 2, 3, 4, 5].map((rating) => (
            <Chip
              key={rating}
              label={`${rating} ★`}
              selected={draft.selfRating === rating}
              onPress={() => update({ selfRating: draft.selfRating === rating ? null : rating })}
            />
          ))}
        </View>
        <Body muted>Minutes practised</Body>
        <View accessibilityRole="radiogroup" accessibilityLabel="Minutes practised" style={styles.wrap}>
          {MINUTE_CHOICES.map((minutes) => (
            <Chip
              key={minutes}
              label={`${minutes} min`}
              selected={draft.minutes === minutes}
              onPress={() => update({ minutes: draft.minutes === minutes ? null : minutes })}
            />
          ))}
        </View>
        <TextField
          label="Note"
          value={draft.note}
          onChangeText={(note) => update({ note })}
          multiline
          placeholder="What did you work on?"
          maxLength={5000}
        />
      </Card>
      {error ? <ErrorText>{error}</ErrorText> : null}
      <View style={styles.row}>
        <Button label="Save session" onPress={save} busy={busy} />
        <Button label="Discard" variant="secondary" onPress={() => setDraft(null)} />
      </View>
    </Screen>
  );
}

const styles = StyleSheet.create({
  wrap: { flexDirection: 'row', flexWrap: 'wrap', gap: space.sm },
  row: { flexDirection: 'row', gap: space.sm, flexWrap: 'wrap' },
});
