import { ProfileScreen } from '../../screens/Profile';

export default function ProfileTab() {
  return <ProfileScreen />;
}
