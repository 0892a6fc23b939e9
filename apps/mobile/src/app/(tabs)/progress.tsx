import { ProgressScreen } from '../../screens/Progress';

export default function ProgressTab() {
  return <ProgressScreen />;
}
