import { createElement, useEffect, useRef, useState } from 'react';
import { StyleSheet, View } from 'react-native';
import { Button } from '../../../components/Button';
import { ErrorText } from '../../../components/Typography';
import { space } from '../../../design/theme';
import type { RecorderProps } from './recorder-types';

/**
 * Web: expo-camera cannot record video in a browser, so this uses getUserMedia + MediaRecorder directly.
 * Desktop browsers have no gyroscope; the session is saved without sensors.
 */
export function Recorder({ onRecorded, onCancel }: RecorderProps) {
  const preview = useRef<HTMLVideoElement | null>(null);
  const stream = useRef<MediaStream | null>(null);
  const recorder = useRef<MediaRecorder | null>(null);
  const [recording, setRecording] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    navigator.mediaDevices
      .getUserMedia({ video: true, audio: true })
      .then((media) => {
        if (cancelled) return media.getTracks().forEach((track) => track.stop());
        stream.current = media;
        if (preview.current) {
          preview.current.srcObject = media;
          void preview.current.play().catch(() => undefined);
        }
      })
      .catch((caught: unknown) =>
        setError(caught instanceof Error ? caught.message : 'The camera is not available'),
      );
    return () => {
      cancelled = true;
      stream.current?.getTracks().forEach((track) => track.stop());
    };
  }, []);

  const start = () => {
    if (!stream.current) return;
    const type = ['video/webm;codecs=vp9,opus', 'video/webm', 'video/mp4'].find((candidate) =>
      MediaRecorder.isTypeSupported(candidate),
    );
    const chunks: Blob[] = [];
    const media = new MediaRecorder(stream.current, type ? { mimeType: type } : undefined);
    const startedAt = new Date().toISOString();
    media.ondataavailable = (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    };
    media.onstop = () => {
      const contentType = (media.mimeType || 'video/webm').split(';')[0]!;
      const blob = new Blob(chunks, { type: contentType });
      const extension = contentType === 'video/mp4' ? 'mp4' : 'webm';
      onRecorded({
        video: {
          uri: URL.createObjectURL(blob),
          file: blob,
          filename: `practice-${Date.now()}.${extension}`,
          contentType,
          sizeBytes: blob.size,
        },
        sensors: null,
        startedAt,
        endedAt: new Date().toISOString(),
      });
    };
    media.start(1000);
    recorder.current = media;
    setRecording(true);
  };

  return (
    <View style={styles.container}>
      {createElement('video', {
        ref: preview,
        muted: true,
        playsInline: true,
        autoPlay: true,
        'aria-label': 'Camera preview',
        style: { width: '100%', borderRadius: 12, background: '#000', aspectRatio: '4 / 3' },
      })}
      {error ? <ErrorText>{error}</ErrorText> : null}
      <View style={styles.controls}>
        {recording ? (
          <Button
            label="Stop"
            variant="danger"
            onPress={() => {
              recorder.current?.stop();
              setRecording(false);
            }}
          />
        ) : (
          <>
            <Button label="Record" onPress={start} disabled={!!error} />
            <Button label="Cancel" variant="secondary" onPress={onCancel} />
          </>
        )}
      </View>
    </View>
  );
}

const styles = StyleSheet.create({
  container: { gap: space.md },
  controls: { flexDirection: 'row', gap: space.sm, justifyContent: 'center' },
});
