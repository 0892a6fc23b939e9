import Hls from 'hls.js';
import { createElement, useEffect, useRef, useState } from 'react';
import { ErrorText } from '../../../components/Typography';

export interface VideoPlayerProps {
  uri: string;
  onTime?: (seconds: number) => void;
}

/** Web: Safari plays HLS natively; Chromium and Firefox need hls.js (Media Source Extensions). */
export function VideoPlayer({ uri, onTime }: VideoPlayerProps) {
  const video = useRef<HTMLVideoElement | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const element = video.current;
    if (!element) return;
    if (element.canPlayType('application/vnd.apple.mpegurl')) {
      element.src = uri;
      return;
    }
    if (!Hls.isSupported()) {
      setError('This browser cannot play the video');
      return;
    }
    const hls = new Hls();
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) setError(`The video could not be played (${data.details})`);
    });
    hls.loadSource(uri);
    hls.attachMedia(element);
    return () => hls.destroy();
  }, [uri]);

  return (
    <>
      {createElement('video', {
        ref: video,
        controls: true,
        playsInline: true,
        'aria-label': 'Session video',
        onTimeUpdate: (event: { currentTarget: HTMLVideoElement }) =>
          onTime?.(event.currentTarget.currentTime),
        style: { width: '100%', aspectRatio: '16 / 9', background: '#000', borderRadius: 12 },
      })}
      {error ? <ErrorText>{error}</ErrorText> : null}
    </>
  );
}
