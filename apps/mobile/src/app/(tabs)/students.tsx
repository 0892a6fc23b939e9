import { StudentsScreen } from '../../screens/Students';

export default function StudentsTab() {
  return <StudentsScreen />;
}
