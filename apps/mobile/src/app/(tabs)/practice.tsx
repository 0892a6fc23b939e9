import { PracticeScreen } from '../../screens/Practice';

export default function PracticeTab() {
  return <PracticeScreen />;
}
