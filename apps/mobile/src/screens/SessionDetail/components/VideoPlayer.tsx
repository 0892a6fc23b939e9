import { useEvent } from 'expo';
import { useVideoPlayer, VideoView } from 'expo-video';
import { useEffect } from 'react';
import { StyleSheet } from 'react-native';

export interface VideoPlayerProps {
  uri: string;
  onTime?: (seconds: number) => void;
}

/** Native: expo-video plays HLS on iOS and Android. */
export function VideoPlayer({ uri, onTime }: VideoPlayerProps) {
  const player = useVideoPlayer(uri, (created) => {
    created.timeUpdateEventInterval = 0.25;
  });
  const update = useEvent(player, 'timeUpdate');
  useEffect(() => {
    if (update) onTime?.(update.currentTime);
  }, [update, onTime]);
  return <VideoView player={player} style={styles.video} nativeControls contentFit="contain" />;
}

const styles = StyleSheet.create({
  video: { width: '100%', aspectRatio: 16 / 9, backgroundColor: '#000', borderRadius: 12 },
});
