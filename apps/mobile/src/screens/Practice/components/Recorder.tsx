import { CameraView, useCameraPermissions, useMicrophonePermissions } from 'expo-camera';
import { useRef, useState } from 'react';
import { StyleSheet, View } from 'react-native';
import { Button } from '../../../components/Button';
import { Body, ErrorText } from '../../../components/Typography';
import { space } from '../../../design/theme';
import { startGyroscopeRecording, type GyroscopeRecording } from '../../../lib/sensors/gyroscope-recorder';
import type { RecorderProps } from './recorder-types';

/** Native: expo-camera records video and sound while the gyroscope is captured at 100 Hz. */
export function Recorder({ onRecorded, onCancel }: RecorderProps) {
  const camera = useRef<CameraView>(null);
  const gyro = useRef<GyroscopeRecording | null>(null);
  const [cameraPermission, requestCamera] = useCameraPermissions();
  const [micPermission, requestMic] = useMicrophonePermissions();
  const [recording, setRecording] = useState(false);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (!cameraPermission?.granted || !micPermission?.granted) {
    return (
      <View style={styles.center}>
        <Body>Rosin needs the camera and microphone to record your practice.</Body>
        <Button
          label="Allow camera and microphone"
          onPress={async () => {
            await requestCamera();
            await requestMic();
          }}
        />
        <Button label="Cancel" variant="secondary" onPress={onCancel} />
      </View>
    );
  }

  const start = async () => {
    setError(null);
    setRecording(true);
    const startedAt = new Date().toISOString();
    gyro.current = await startGyroscopeRecording();
    try {
      const result = await camera.current?.recordAsync({ maxDuration: 600 });
      const sensors = gyro.current?.stop() ?? null;
      if (!result) return;
      onRecorded({
        video: { uri: result.uri, filename: result.uri.split('/').pop() ?? 'practice.mov', contentType: '' },
        sensors,
        startedAt,
        endedAt: new Date().toISOString(),
      });
    } catch (caught) {
      gyro.current?.stop();
      setError(caught instanceof Error ? caught.message : 'Recording failed');
    } finally {
      setRecording(false);
    }
  };

  return (
    <View style={styles.container}>
      <CameraView
        ref={camera}
        style={styles.camera}
        mode="video"
        facing="front"
        onCameraReady={() => setReady(true)}
        onMountError={(event) => setError(event.message)}
      />
      {error ? <ErrorText>{error}</ErrorText> : null}
      <View style={styles.controls}>
        {recording ? (
          <Button label="Stop" variant="danger" onPress={() => camera.current?.stopRecording()} />
        ) : (
          <>
            <Button label="Record" onPress={start} disabled={!ready} />
            <Button label="Cancel" variant="secondary" onPress={onCancel} />
          </>
        )}
      </View>
    </View>
  );
}

const styles = StyleSheet.create({
  container: { gap: space.md },
  camera: { width: '100%', aspectRatio: 3 / 4, borderRadius: 12, overflow: 'hidden' },
  controls: { flexDirection: 'row', gap: space.sm, justifyContent: 'center' },
  center: { gap: space.md, padding: space.lg },
});
