import { SessionsScreen } from '../../screens/Sessions';

export default function SessionsTab() {
  return <SessionsScreen />;
}
