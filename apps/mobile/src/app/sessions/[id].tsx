import { useLocalSearchParams } from 'expo-router';
import { SessionDetailScreen } from '../../screens/SessionDetail';

export default function SessionRoute() {
  const { id } = useLocalSearchParams<{ id: string }>();
  return <SessionDetailScreen key={id} id={id} />;
}
